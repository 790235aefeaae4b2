/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, on loopback) sends its own
 * webhook to Vigil for alerts posted to it: the incident opens, and Alertmanager's later
 * "resolved" lands on the incident's timeline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import type { EmailTransport, SmsTransport } from '../../domain/transports';
import { freePort } from '../support/freePort';
import { startStack, type Stack } from '../support/stack';
import { waitFor } from '../support/waitFor';

const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const TOKEN = `am-${randomUUID()}`;
const PD_KEY = `pd-${randomUUID()}`;

let stack: Stack;
let alertmanager: ChildProcess;
let alertmanagerUrl: string;
const emails: string[] = [];

beforeAll(async () => {
  if (!existsSync(ALERTMANAGER)) throw new Error(`${ALERTMANAGER} not found: apt-get install prometheus-alertmanager (.ci/run does)`);
  const email: EmailTransport = { name: 'test', send: async (message) => void emails.push(message.subject) };
  const sms: SmsTransport = { name: 'test', send: async () => ({ id: randomUUID() }) };
  stack = await startStack({
    config: parseConfig(
      {
        services: {},
        defaultEscalationPolicy: 'p',
        contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }] } },
        integrations: { prom: { source: 'alertmanager', tokenEnv: 'PROM_TOKEN' }, pd: { source: 'pagerduty', service: 'db', tokenEnv: 'PD_TOKEN' } },
      },
      'test',
    ),
    email,
    sms,
    runbooks: [],
    env: { PROM_TOKEN: TOKEN, PD_TOKEN: PD_KEY },
  });

  const dir = await mkdtemp(join(tmpdir(), 'vigil-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(
    configFile,
    [
      'route:',
      '  receiver: vigil',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: vigil',
      '    webhook_configs:',
      `      - url: ${stack.apiUrl}/v1/integrations/prom`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      `            credentials: ${TOKEN}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  alertmanagerUrl = `http://127.0.0.1:${port}`;
  alertmanager = spawn(
    ALERTMANAGER,
    [`--config.file=${configFile}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitFor('Alertmanager to be ready', async () => (await fetch(`${alertmanagerUrl}/-/ready`).catch(() => undefined))?.ok, 30_000);
});

afterAll(async () => {
  alertmanager?.kill('SIGTERM');
  await stack?.stop();
});

function postToAlertmanager(endsAt?: string) {
  return fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'DiskAlmostFull', service: 'storage', severity: 'critical', instance: 'node-7' },
        annotations: { summary: 'node-7 /var is 95% full' },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        ...(endsAt ? { endsAt } : {}),
      },
    ]),
  });
}

describe('Prometheus Alertmanager as a real sender', () => {
  it('opens an incident from its webhook, then notes its resolution on the timeline', async () => {
    expect((await postToAlertmanager()).status).toBe(200);
    const listed = await waitFor(
      'the incident opened by Alertmanager',
      async () => {
        const response = await fetch(`${stack.apiUrl}/v1/incidents?service=storage`);
        const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
        return incidents[0];
      },
      30_000,
    );
    const view = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(listed.id)}`)).json()) as IncidentView;
    expect(view).toMatchObject({ service: 'storage', severity: 'critical', source: 'alertmanager', summary: 'node-7 /var is 95% full' });
    expect(view.dedupKey).toMatch(/^am-[0-9a-f]{16}$/);
    await waitFor('the page', () => emails.some((subject) => subject.includes('node-7')));

    expect((await postToAlertmanager(new Date().toISOString())).status).toBe(200);
    const resolvedNote = await waitFor(
      "Alertmanager's resolution on the timeline",
      async () => {
        const current = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(listed.id)}`)).json()) as IncidentView;
        return current.timeline.find((entry) => entry.text.includes('alertmanager reports resolved'));
      },
      30_000,
    );
    expect(resolvedNote.kind).toBe('note');
  });
});

describe('PagerDuty Events v2 senders', () => {
  it('open an incident on trigger and acknowledge it on acknowledge, through Temporal', async () => {
    const send = (event: Record<string, unknown>) =>
      fetch(`${stack.apiUrl}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: PD_KEY, dedup_key: 'db-replica-lag', ...event }) });
    const triggered = await send({ event_action: 'trigger', payload: { summary: 'replica lag 300s', source: 'db-7', severity: 'error' } });
    expect(triggered.status).toBe(202);
    expect(((await triggered.json()) as { dedup_key: string }).dedup_key).toBe('db-replica-lag');
    expect((await send({ event_action: 'acknowledge' })).status).toBe(202);
    const listed = await waitFor('the acknowledged PagerDuty-sent incident', async () => {
      const response = await fetch(`${stack.apiUrl}/v1/incidents?service=db&status=acknowledged`);
      const { incidents } = (await response.json()) as { incidents: Array<{ id: string }> };
      return incidents[0];
    });
    const view = (await (await fetch(`${stack.apiUrl}/v1/incidents/${encodeURIComponent(listed.id)}`)).json()) as IncidentView;
    expect(view).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'pd (pagerduty)', dedupKey: 'db-replica-lag' });
  });
});
