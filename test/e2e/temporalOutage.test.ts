/**
 * The Temporal server stopped (SIGKILL) in the middle of a stream of alerts, for minutes, then
 * started again on the same database: every alert the API answered 2xx ends counted in its
 * incident, none twice, and the API never answered anything but 2xx.
 *
 * The API and worker run as real processes (`api/main.ts`, `worker/main.ts`), as `npm start`
 * runs them, with the embedded SQL store on disk. VIGIL_OUTAGE_SECONDS shortens the outage
 * while working on this test (default 120).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentWorkflowId } from '../../domain/alert';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { incidentQuery } from '../../contracts/incident';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../../platform/payloadEncryption';
import { freePort } from '../../devkit/freePort';
import { waitFor } from '../../devkit/waitFor';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTAGE_MS = Number(process.env.VIGIL_OUTAGE_SECONDS ?? 120) * 1000;
const KEYS = ['disk', 'cpu', 'memory', 'latency', 'errors'];
const SEND_EVERY_MS = 100;
/** The API and worker processes encrypt payloads, as `npm start` runs them; the test's client reads with the same key. */
const PAYLOAD_KEYS = newPayloadKeyEntry('outage-test');

let home: string;
let temporalPort: number;
let devServer: DevServer;
let processes: ChildProcess[] = [];
let apiUrl: string;
/** A sender's key: the stream may send alerts and nothing else. */
const OUTAGE_SENDER_KEY = 'outage-sender-key';

/** Starts a Vigil process; its output goes to a log file in the test's home, named on failure. */
function startProcess(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(home, `${script.replace(/\W+/g, '-')}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  processes.push(child);
  return child;
}

function startTemporal(): Promise<DevServer> {
  return startDevServer({ port: temporalPort, dbFile: join(home, 'temporal.db') });
}

async function killTemporal(): Promise<void> {
  const exited = new Promise((resolve) => devServer.process.once('exit', resolve));
  devServer.process.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'vigil-outage-'));
  temporalPort = await freePort();
  devServer = await startTemporal();
  const configFile = join(home, 'vigil.config.mjs');
  await writeFile(
    configFile,
    `export default ${JSON.stringify({
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }] } },
      apiKeys: [{ user: 'stream', env: 'OUTAGE_SENDER_KEY', role: 'sender' }],
    })};\n`,
  );
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: devServer.address,
    VIGIL_TASK_QUEUE: 'vigil-outage-test',
    VIGIL_CONFIG: configFile,
    VIGIL_HOME: home,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    OUTAGE_SENDER_KEY,
    VIGIL_METRICS_PORT: '0',
    VIGIL_PAYLOAD_KEYS: PAYLOAD_KEYS,
  };
  startProcess('worker/main.ts', env);
  startProcess('api/main.ts', env);
  await waitFor('the API', () => fetch(`${apiUrl}/readyz`).then((response) => response.ok, () => false), 60_000);
});

afterAll(async () => {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await devServer?.stop();
});

describe('Temporal down in the middle of an alert stream', () => {
  it('answers every alert 2xx, and each ends counted once in its incident once Temporal is back', { timeout: OUTAGE_MS + 180_000 }, async () => {
    const accepted = new Map<string, number>(KEYS.map((key) => [key, 0]));
    const refused: string[] = [];
    let sent = 0;
    let spooledAnswers = 0;
    let streaming = true;

    async function stream(): Promise<void> {
      while (streaming) {
        const key = KEYS[sent % KEYS.length];
        sent += 1;
        const response = await fetch(`${apiUrl}/v1/alerts`, {
          method: 'POST',
          // Each post is a new occurrence, not a retry of the last: its own Idempotency-Key says so
          // (an identical body within 5 minutes would otherwise count once, docs/integrations.md).
          headers: { 'content-type': 'application/json', authorization: `Bearer ${OUTAGE_SENDER_KEY}`, 'idempotency-key': `outage-${sent}` },
          body: JSON.stringify({ service: 'storage', summary: `${key} alert`, severity: 'warning', dedupKey: key }),
        }).catch((error: Error) => ({ ok: false, status: 0, json: async () => ({ error: error.message }) }));
        if (response.ok) {
          accepted.set(key, (accepted.get(key) ?? 0) + 1);
          if (((await response.json()) as { status: string }).status === 'spooled') spooledAnswers += 1;
        } else {
          refused.push(`${response.status} ${JSON.stringify(await response.json())}`);
        }
        await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
      }
    }

    const streaming$ = stream();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await killTemporal();
    const outageStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const readyDuringOutage = await fetch(`${apiUrl}/readyz`);
    const readiness = (await readyDuringOutage.json()) as { temporal: string; spool: { depth: number; oldestAgeSeconds: number } };
    devServer = await startTemporal();
    const outageSeconds = (Date.now() - outageStart) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    streaming = false;
    await streaming$;

    // Logs of the API and worker processes, for a reader of a failure.
    console.log(`process logs in ${home}`);
    expect(refused).toEqual([]);
    expect(readyDuringOutage.status).toBe(200);
    expect(readiness.temporal).toBe('down');
    expect(readiness.spool.depth).toBeGreaterThan(0);
    // The first alert of the outage waits out the intake deadline (3 s) before it is spooled.
    expect(readiness.spool.oldestAgeSeconds).toBeGreaterThan(OUTAGE_MS / 1000 - 5);
    expect(spooledAnswers).toBeGreaterThan(0);

    await waitFor('the spool to drain', async () => {
      const ready = (await (await fetch(`${apiUrl}/readyz`)).json()) as { spool: { depth: number } };
      return ready.spool.depth === 0;
    }, 120_000);

    const connection = await Connection.connect({ address: devServer.address });
    try {
      const client = new Client({ connection, dataConverter: payloadEncryptionWith(parsePayloadKeys(PAYLOAD_KEYS)).dataConverter });
      const counted = new Map<string, number>();
      for (const key of KEYS) {
        const handle = client.workflow.getHandle(incidentWorkflowId({ service: 'storage', dedupKey: key }));
        const view = await waitFor(`the incident of ${key}`, () => handle.query(incidentQuery).catch(() => undefined), 60_000);
        counted.set(key, view.alertCount);
      }
      console.log(`outage ${outageSeconds.toFixed(0)} s: ${sent} alerts sent, ${spooledAnswers} spooled, counted ${JSON.stringify(Object.fromEntries(counted))}`);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(accepted));
    } finally {
      await connection.close();
    }
  });
});
