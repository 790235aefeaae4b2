/**
 * The production build runs on plain Node (issue 12, points 6 and 9): `npm run build`'s output
 * starts without tsx, the worker loads the workflow bundle made ahead of time and answers its own
 * `/healthz` and `/metrics`, and SIGTERM drains: the API answers a request already in flight
 * before it exits, the worker stops polling and exits cleanly.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVigil, WORKFLOW_BUNDLE_FILE } from '../../scripts/build';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { API_KEY } from '../../devkit/testApp';
import { msUntilAnswers, spawnBuilt, type BuiltProcess } from '../../devkit/builtProcess';
import { freePort } from '../../devkit/freePort';

// Inside the repository, so the build resolves its packages from node_modules as dist/ does.
const BUILD_DIR = resolve('test-artifacts', `build-${randomUUID()}`);

let devServer: DevServer;
let db: PGlite;
let pgServer: PGLiteSocketServer;
let databaseUrl: string;
const started: BuiltProcess[] = [];

beforeAll(async () => {
  await buildVigil(BUILD_DIR);
  devServer = await startDevServer({ port: await freePort() });
  db = new PGlite();
  const pgPort = await freePort();
  pgServer = new PGLiteSocketServer({ db, port: pgPort, host: '127.0.0.1', maxConnections: 20 });
  await pgServer.start();
  databaseUrl = `postgresql://postgres@127.0.0.1:${pgPort}/postgres`;
});

afterAll(async () => {
  await Promise.all(started.map((process) => process.stop(5_000)));
  await pgServer?.stop();
  await db?.close();
  await devServer?.stop();
  await rm(BUILD_DIR, { recursive: true, force: true });
});

async function startApi(): Promise<{ api: BuiltProcess; port: number }> {
  const port = await freePort();
  const api = await spawnBuilt(BUILD_DIR, 'api/main.js', {
    TEMPORAL_ADDRESS: devServer.address,
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    VIGIL_OPS_API_KEY: API_KEY,
  });
  started.push(api);
  await msUntilAnswers(`http://127.0.0.1:${port}/readyz`, api, { timeoutMs: 90_000 });
  return { api, port };
}

/** Sends a request's head and half its body, and hands back a way to send the rest and read the answer. */
function beginSlowPost(port: number, path: string, body: string): Promise<{ finish: () => Promise<string> }> {
  return new Promise((resolvePartial, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const half = Math.floor(body.length / 2);
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${API_KEY}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body.slice(0, half)}`,
      );
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const ended = new Promise<string>((done) => socket.once('close', () => done(answer)));
      resolvePartial({
        finish: () => {
          socket.write(body.slice(half));
          return ended;
        },
      });
    });
    socket.once('error', reject);
  });
}

describe('the production build', () => {
  it('API: runs on plain node and answers /healthz', async () => {
    const { port } = await startApi();
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  }, 120_000);

  it('API: on SIGTERM, a request already in flight is answered before the process exits', async () => {
    const { api, port } = await startApi();
    const body = JSON.stringify({ service: 'checkout', summary: `in flight at SIGTERM ${randomUUID()}`, severity: 'critical' });
    const request = await beginSlowPost(port, '/v1/alerts', body);
    api.child.kill('SIGTERM');
    // Still draining: the half-received request holds the server open.
    await new Promise((done) => setTimeout(done, 500));
    expect(api.child.exitCode).toBeNull();
    const answer = await request.finish();
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 202 Accepted');
    expect(await api.exited).toBe(0);
    // New connections are refused once draining began.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 120_000);

  it('API: starts through the code cache the build warmed; one missing or unfit is written anew once ready', async () => {
    const cacheFile = resolve(BUILD_DIR, 'api', 'main.bundle.cjs.cache');
    const startAndStop = async (): Promise<string> => {
      const { api } = await startApi();
      // Written on the ready event, after /readyz can already answer: wait for the file.
      const deadline = Date.now() + 30_000;
      while (!existsSync(cacheFile) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
      await api.stop(5_000);
      return api.output();
    };
    expect(await startAndStop()).toContain('"msg":"code cache used"');

    await rm(cacheFile);
    expect(await startAndStop()).toContain('"msg":"code cache absent"');
    const written = await readFile(cacheFile);
    expect(written.length).toBeGreaterThan(100_000);

    // Another Node or other V8 flags make V8 refuse a cache; so does a damaged file.
    await writeFile(cacheFile, Buffer.alloc(4_096, 7));
    expect(await startAndStop()).toContain('"msg":"code cache rejected"');
    expect((await readFile(cacheFile)).length).toBeGreaterThan(100_000);
    expect(await startAndStop()).toContain('"msg":"code cache used"');
  }, 240_000);

  it('API and worker, each one bundled file, take an alert to its first page', async () => {
    // The entries inline their packages (scripts/build.ts): this proves the Temporal worker's
    // workflow threads and the client's protobufs still load from a bundle, not only that it starts.
    const taskQueue = `built-page-${randomUUID()}`;
    const healthPort = await freePort();
    const worker = await spawnBuilt(BUILD_DIR, 'worker/main.js', {
      TEMPORAL_ADDRESS: devServer.address,
      VIGIL_TASK_QUEUE: taskQueue,
      VIGIL_WORKER_PORT: String(healthPort),
      VIGIL_WORKER_SDK_METRICS_PORT: String(await freePort()),
    });
    started.push(worker);
    const port = await freePort();
    const api = await spawnBuilt(BUILD_DIR, 'api/main.js', { TEMPORAL_ADDRESS: devServer.address, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', VIGIL_API_KEY: API_KEY, VIGIL_TASK_QUEUE: taskQueue });
    started.push(api);
    await msUntilAnswers(`http://127.0.0.1:${healthPort}/healthz`, worker, { timeoutMs: 90_000 });
    await msUntilAnswers(`http://127.0.0.1:${port}/readyz`, api, { timeoutMs: 90_000 });
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const accepted = await fetch(`http://127.0.0.1:${port}/v1/alerts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ service: 'checkout', summary: 'checkout p99 above 2s', severity: 'critical', dedupKey: `built-${randomUUID()}` }),
    });
    expect(accepted.status).toBe(202);
    const { incidentId } = (await accepted.json()) as { incidentId: string };
    const deadline = Date.now() + 90_000;
    let kinds: string[] = [];
    while (!kinds.includes('page') && Date.now() < deadline) {
      const incident = await fetch(`http://127.0.0.1:${port}/v1/incidents/${encodeURIComponent(incidentId)}`, { headers });
      if (incident.status === 200) kinds = ((await incident.json()) as { timeline: Array<{ kind: string }> }).timeline.map((entry) => entry.kind);
      if (!kinds.includes('page')) await new Promise((done) => setTimeout(done, 500));
    }
    expect(kinds).toContain('page');
  }, 240_000);

  it('the workflow bundle carries no zod: the sandbox evaluates every bundled module again for each workflow run', async () => {
    const bundle = await readFile(resolve(BUILD_DIR, WORKFLOW_BUNDLE_FILE), 'utf8');
    expect(bundle).toContain('workflows/incident/run.ts');
    expect(bundle).not.toMatch(/node_modules\/zod\//);
  });

  it('worker: loads the prebuilt bundle, answers /healthz and /metrics (its own and the SDK\'s), drains on SIGTERM', async () => {
    const healthPort = await freePort();
    const worker = await spawnBuilt(BUILD_DIR, 'worker/main.js', {
      TEMPORAL_ADDRESS: devServer.address,
      VIGIL_TASK_QUEUE: `built-${randomUUID()}`,
      VIGIL_WORKER_PORT: String(healthPort),
      VIGIL_WORKER_SDK_METRICS_PORT: String(await freePort()),
      VIGIL_WORKER_SHUTDOWN_GRACE: '2s',
    });
    started.push(worker);
    await msUntilAnswers(`http://127.0.0.1:${healthPort}/healthz`, worker, { timeoutMs: 90_000 });
    expect(await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()).toEqual({ status: 'ok', worker: 'RUNNING' });

    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toContain('vigil_worker_state{state="RUNNING"} 1');
    expect(metrics).toMatch(/^vigil_worker_process_cpu_seconds_total /m);
    // Core's own metrics (poller counts, task latencies), forwarded from its loopback exporter.
    expect(metrics).toMatch(/^temporal_\w+/m);
    expect(metrics).not.toContain('Temporal SDK metrics unavailable');
    // Bundled ahead of time: no webpack run at start.
    expect(worker.output()).toContain('"workflowBundle":"prebuilt"');

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker stopped after draining');
  }, 120_000);
});
