/**
 * The worker's own small HTTP server: `/healthz` (200 while the worker polls, 503 otherwise, so
 * an orchestrator restarts a worker that stopped) and `/metrics` (Prometheus: this process's
 * metrics, followed by the Temporal SDK's, which Core exports on a loopback port of its own).
 * One scrape target per worker; nothing here creates or reads incident data.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type WorkerStateName = 'INITIALIZED' | 'RUNNING' | 'STOPPED' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'FAILED';

export interface WorkerHealthOptions {
  port: number;
  host: string;
  /** The worker's state (`worker.getState()`); healthy only while RUNNING. */
  state: () => WorkerStateName;
  /** Where Core's Prometheus exporter answers (`host:port`); its text is appended to `/metrics`. */
  sdkMetricsAddress?: string;
}

export interface WorkerHealthServer {
  /** The bound port (useful when asked for port 0). */
  port: number;
  close(): Promise<void>;
}

const STATES: readonly WorkerStateName[] = ['INITIALIZED', 'RUNNING', 'STOPPED', 'STOPPING', 'DRAINING', 'DRAINED', 'FAILED'];
/** A scrape must not hang on Core's exporter. */
const SDK_METRICS_TIMEOUT_MS = 2_000;

function workerRegistry(state: () => WorkerStateName): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_worker_' });
  new Gauge({
    name: 'vigil_worker_state',
    help: 'The Temporal worker state (1 for the current one)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const current = state();
      for (const name of STATES) this.set({ state: name }, name === current ? 1 : 0);
    },
  });
  return registry;
}

async function sdkMetrics(address: string): Promise<string> {
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(SDK_METRICS_TIMEOUT_MS) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${(error as Error).message}\n`;
  }
}

/** A TCP port free on loopback now, for Core's exporter (which cannot report a port it picked). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startWorkerHealthServer(options: WorkerHealthOptions): Promise<WorkerHealthServer> {
  const registry = workerRegistry(options.state);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(JSON.stringify({ error: 'method not allowed', details: [] }));
      return;
    }
    if (path === '/healthz') {
      const state = options.state();
      res.writeHead(state === 'RUNNING' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: state === 'RUNNING' ? 'ok' : 'not running', worker: state }));
      return;
    }
    if (path === '/metrics') {
      void Promise.all([registry.metrics(), options.sdkMetricsAddress ? sdkMetrics(options.sdkMetricsAddress) : Promise.resolve('')]).then(
        ([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', details: [] }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
