/**
 * `npm run bench:core`: alert-to-first-notification latency through the whole stack (HTTP API →
 * Temporal dev server → worker → notification transport) for 200 alerts, next to the floor
 * measured in the same run on the same server: a bare workflow start that runs one activity.
 * Loopback only; bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { parseConfig } from '../domain/config';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import type { EmailTransport, SmsTransport } from '../domain/transports';
import { startStack, STACK_AUTH } from '../devkit/stack';
import { percentile, runBounded } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DEADLINE_MS = 5 * 60_000;

/** Transports that only note when the first page for each incident went out. */
function recordingTransports(firstPageAt: Map<string, number>) {
  const note = (text: string) => {
    const code = /\[Vigil ([0-9A-Z]{6})\]|Vigil ([0-9A-Z]{6}) /.exec(text);
    const key = code?.[1] ?? code?.[2];
    if (key && !firstPageAt.has(key)) firstPageAt.set(key, performance.now());
  };
  const email: EmailTransport = { name: 'bench', send: async (message) => note(message.subject) };
  const sms: SmsTransport = { name: 'bench', send: async (message) => (note(message.body), { id: randomUUID() }) };
  return { email, sms };
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const config = parseConfig(
  {
    services: { bench: { escalationPolicy: 'one' } },
    defaultEscalationPolicy: 'one',
    contacts: { oncall: { name: 'On-call', email: 'oncall@example.test' } },
    escalationPolicies: { one: { levels: [{ notify: ['oncall'], channels: ['email'], timeout: '1h' }] } },
  },
  'bench config',
);

const firstPageAt = new Map<string, number>();
// The floor worker reads the same encrypted payloads the stack's client writes.
const payloadKeys = newPayloadKeyEntry('bench');
const stack = await startStack({ config, ...recordingTransports(firstPageAt), runbooks: [], payloadKeys });

// The floor, on the same server: start a workflow, which runs one activity.
const floorDone = new Map<string, number>();
const floorQueue = `bench-floor-${randomUUID()}`;
const floorWorker = await Worker.create({
  connection: stack.nativeConnection,
  taskQueue: floorQueue,
  dataConverter: payloadEncryptionWith(parsePayloadKeys(payloadKeys)).dataConverter,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./floorWorkflow.ts', import.meta.url)), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }),
  activities: {
    async touch(startedAtMs: number) {
      floorDone.set(String(startedAtMs), performance.now());
    },
  },
});
const floorRunning = floorWorker.run();

async function measureFloor(count: number): Promise<number[]> {
  const latencies: number[] = [];
  await runBounded(count, CONCURRENCY, async (index) => {
    const started = performance.now();
    const key = `${started}-${index}`;
    await stack.client.workflow.start('floorWorkflow', { taskQueue: floorQueue, workflowId: `floor-${randomUUID()}`, args: [key as unknown as number] });
    await waitUntil(() => floorDone.has(key), 'a floor activity');
    latencies.push((floorDone.get(key) as number) - started);
  });
  return latencies;
}

async function measureAlerts(count: number): Promise<number[]> {
  const latencies: number[] = [];
  const runId = randomUUID().slice(0, 8);

  await runBounded(count, CONCURRENCY, async (index) => {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/alerts`, {
      method: 'POST',
      headers: { ...STACK_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'bench', summary: `bench alert ${index}`, severity: 'critical', dedupKey: `bench-${runId}-${index}` }),
    });
    if (response.status !== 202) throw new Error(`alert ${index} answered ${response.status}: ${await response.text()}`);
    const { incidentId } = (await response.json()) as { incidentId: string };
    const incident = await waitForCode(incidentId);
    await waitUntil(() => firstPageAt.has(incident), 'a first page');
    latencies.push((firstPageAt.get(incident) as number) - started);
  });
  return latencies;
}

/** The short code of an incident is a pure function of its id: recompute it, no API call. */
async function waitForCode(incidentId: string): Promise<string> {
  const { decodeIncidentId, incidentCode } = await import('../domain/incidentId');
  const ref = decodeIncidentId(incidentId);
  if (!ref) throw new Error(`undecodable incident id ${incidentId}`);
  return incidentCode(ref);
}

function line(name: string, values: number[]): string {
  return `${name.padEnd(34)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms   (n=${values.length})`;
}

try {
  // Warm both paths (bundles loaded, connections open, caches filled) before measuring.
  await measureFloor(20);
  await measureAlerts(20);
  const floor = await measureFloor(ALERTS);
  const alerts = await measureAlerts(ALERTS);
  console.log(`bench:core on the Temporal dev server, ${ALERTS} each, ${CONCURRENCY} in flight`);
  console.log(line('floor: workflow start + 1 activity', floor));
  console.log(line('alert → first notification', alerts));
  console.log(`ratio p50 ${(percentile(alerts, 50) / percentile(floor, 50)).toFixed(2)}×   p99 ${(percentile(alerts, 99) / percentile(floor, 99)).toFixed(2)}×   (target ≤ 1.5×)`);
  const floorOf = (p: number) => ({ name: `workflow start + 1 activity, p${p}`, value: percentile(floor, p) });
  writeBenchResult({
    bench: 'core',
    settings: { BENCH_ALERTS: ALERTS, BENCH_CONCURRENCY: CONCURRENCY },
    figures: [50, 99].map((p) => ({ name: `alert → first page, p${p}`, value: percentile(alerts, p), unit: 'ms', floor: floorOf(p), goal: '≤ 1.2× the floor' })),
    series: { floor, alerts },
  });
} finally {
  floorWorker.shutdown();
  await floorRunning;
  await stack.stop();
}
