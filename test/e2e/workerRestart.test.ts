/**
 * A worker process killed with SIGKILL in the middle of an escalation, then started again: the
 * level that fell due while it was down is paged once it is back, and nobody is paged twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalGateway } from '../../api/gateways/temporalGateway';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../../platform/payloadEncryption';
import { makeAlert } from '../../devkit/alerts';
import { freePort } from '../../devkit/freePort';
import { startSmtpSink } from '../../devkit/smtpSink';
import { waitFor } from '../../devkit/waitFor';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TASK_QUEUE = 'vigil-restart-test';
/** The worker process encrypts payloads, as `npm start` runs it; the test's client uses the same key. */
const PAYLOAD_KEYS = newPayloadKeyEntry('restart-test');

let devServer: DevServer;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let connection: Connection;
let workerEnv: NodeJS.ProcessEnv;
let worker: ChildProcess | undefined;

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: ROOT, env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.resume();
  return child;
}

async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  devServer = await startDevServer({ port: await freePort() });
  smtp = await startSmtpSink();
  const home = await mkdtemp(join(tmpdir(), 'vigil-restart-'));
  const configFile = join(home, 'vigil.config.mjs');
  await writeFile(
    configFile,
    `export default ${JSON.stringify({
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' }, bob: { name: 'Bob', email: 'bob@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '4s' }, { notify: ['bob'], channels: ['email'], timeout: '1h' }] } },
    })};\n`,
  );
  workerEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: devServer.address,
    VIGIL_TASK_QUEUE: TASK_QUEUE,
    VIGIL_CONFIG: configFile,
    VIGIL_HOME: home,
    VIGIL_PAYLOAD_KEYS: PAYLOAD_KEYS,
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'warn',
  };
  connection = await Connection.connect({ address: devServer.address });
});

afterAll(async () => {
  await kill(worker, 'SIGKILL');
  await connection?.close();
  await smtp?.close();
  await devServer?.stop();
});

describe('a worker killed mid-escalation', () => {
  // Two worker starts (each bundles the workflow code from source) and three waits of up to a minute.
  it('pages the level that fell due while it was down once restarted, and pages nobody twice', { timeout: 240_000 }, async () => {
    worker = startWorker();
    const gateway = createTemporalGateway({ client: new Client({ connection, dataConverter: payloadEncryptionWith(parsePayloadKeys(PAYLOAD_KEYS)).dataConverter }), taskQueue: TASK_QUEUE });
    const { incidentId } = await gateway.submitAlert(makeAlert({ service: 'payments', dedupKey: 'restart-test' }));
    await waitFor('the level 1 page', () => smtp.received.find((mail) => mail.to.includes('alice@example.test')), 60_000);
    // Kill after the page is confirmed in the timeline: this test is about a level falling due while
    // no worker runs. (A kill between the SMTP server's 250 and the confirmation re-sends with the
    // same Message-ID; test/e2e/multiHost and bench:crash:hosts cover that window.)
    await waitFor("alice's page confirmed", async () => ((await gateway.get(incidentId))?.timeline ?? []).some((entry) => entry.kind === 'page' && entry.text.includes('Alice')), 30_000);

    await kill(worker, 'SIGKILL');
    const killedAt = Date.now();
    // Level 2 falls due 4 s after level 1, while no worker runs.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(smtp.received.some((mail) => mail.to.includes('bob@example.test'))).toBe(false);

    worker = startWorker();
    const bobPage = await waitFor('the level 2 page after restart', () => smtp.received.find((mail) => mail.to.includes('bob@example.test')), 60_000);
    expect(bobPage.receivedAtMs).toBeGreaterThan(killedAt);
    // Give a duplicate every chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const pages = smtp.received.filter((mail) => mail.subject.includes('ACTION NEEDED'));
    expect(pages.map((mail) => mail.to[0]).sort()).toEqual(['alice@example.test', 'bob@example.test']);
    expect(new Set(pages.map((mail) => mail.messageId)).size).toBe(2);
  });
});
