/** The reference runbook, tested as an ops engineer would test theirs: its steps called directly, no Temporal. */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import httpHealthRestart from '../../runbooks/httpHealthRestart';
import { makeAlert } from '../../devkit/alerts';

let server: Server;
let url: string;
let marker: string;

beforeAll(async () => {
  // A service that is unhealthy until its "restart command" has left a marker file.
  marker = join(await mkdtemp(join(tmpdir(), 'vigil-runbook-')), 'restarted');
  server = createServer((_req, res) => res.writeHead(existsSync(marker) ? 200 : 503).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function context(params: unknown, findings: Record<string, unknown> = {}) {
  const lines: string[] = [];
  return {
    ctx: {
      alert: makeAlert({ labels: { check: 'http' } }),
      params: httpHealthRestart.params.parse(params),
      findings,
      signal: new AbortController().signal,
      log: (line: string) => lines.push(line),
    },
    lines,
  };
}

describe('http-health-restart runbook', () => {
  it('finds the service unhealthy, restarts it, and verifies recovery', async () => {
    const params = { url, restartCommand: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], verifyIntervalMs: 10 };
    const diagnosed = await httpHealthRestart.diagnose(context(params).ctx);
    expect(diagnosed).toMatchObject({ ok: true, findings: { healthy: false } });
    expect(diagnosed.summary).toContain('answered 503');

    const { ctx, lines } = context(params, diagnosed.findings);
    const remediated = await httpHealthRestart.remediate(ctx);
    expect(remediated.ok).toBe(true);
    expect(lines[0]).toContain('restart command finished');

    const verified = await httpHealthRestart.verify(context(params, diagnosed.findings).ctx);
    expect(verified.recovered).toBe(true);
    expect(verified.summary).toContain('recovered after 1 probe');
  });

  it('restarts nothing when the endpoint is already healthy', async () => {
    const outcome = await httpHealthRestart.remediate(context({ url, restartCommand: ['false'] }, { healthy: true }).ctx);
    expect(outcome).toEqual({ ok: true, summary: 'endpoint already healthy; nothing restarted' });
  });

  it('reports a failing restart command as a failed step, for a human to take over', async () => {
    const outcome = await httpHealthRestart.remediate(context({ url, restartCommand: [process.execPath, '-e', 'process.exit(3)'] }, { healthy: false }).ctx);
    expect(outcome.ok).toBe(false);
    expect(outcome.summary).toContain('restart command failed (3)');
  });

  it('reports no recovery when the endpoint stays down', async () => {
    const outcome = await httpHealthRestart.verify(context({ url: 'http://127.0.0.1:9/healthz', restartCommand: ['true'], verifyAttempts: 2, verifyIntervalMs: 1 }).ctx);
    expect(outcome.recovered).toBe(false);
    expect(outcome.summary).toContain('still unhealthy after 2 probe(s)');
  });

  it('refuses parameters that do not fit, naming the field', () => {
    const result = httpHealthRestart.params.safeParse({ url: 'not a url', restartCommand: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['restartCommand', 'url']);
  });
});
