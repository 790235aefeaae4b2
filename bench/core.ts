/**
 * `npm run bench:core`: alert-to-first-notification latency through the whole stack (HTTP API →
 * Temporal dev server → worker → notification transport) for 200 alerts, next to the floor
 * measured in the same run on the same server: a bare signalWithStart of a workflow that runs one
 * activity (the least Temporal does for an alert that starts an incident).
 * Loopback only; bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { parseConfig } from '../domain/config';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import type { EmailTransport, SmsTransport } from '../domain/transports';
import { startStack, STACK_AUTH } from '../devkit/stack';
import { decodeIncidentId, incidentCode } from '../domain/incidentId';
import { percentile, runBounded } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';
import { cpuPerItem, startPhase } from './harness/phaseCpu';
import { historyLines, phasesOf, phaseTable, type RunTimes } from './harness/corePhases';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DEADLINE_MS = 5 * 60_000;
/** `BENCH_PHASES=1`: also read each measured run's history and print where its time went. */
const PHASES = process.env.BENCH_PHASES === '1';
/** performance.now() as wall-clock ms, to compare with the server's event times (same host). */
const wall = (at: number) => performance.timeOrigin + at;
const floorRuns: RunTimes[] = [];
const alertRuns: RunTimes[] = [];

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

// The floor, on the same server: signalWithStart a workflow, which runs one activity.
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
    const workflowId = `floor-${randomUUID()}`;
    // As the API starts an incident: signalWithStart, the signal carrying the alert.
    await stack.client.workflow.signalWithStart('floorWorkflow', { taskQueue: floorQueue, workflowId, args: [key as unknown as number], signal: 'floor', signalArgs: [key] });
    const answeredAt = performance.now();
    await waitUntil(() => floorDone.has(key), 'a floor activity');
    latencies.push((floorDone.get(key) as number) - started);
    floorRuns.push({ workflowId, sentAt: wall(started), answeredAt: wall(answeredAt), pagedAt: wall(floorDone.get(key) as number), pageActivity: 'touch' });
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
    const answeredAt = performance.now();
    const incident = codeOf(incidentId);
    await waitUntil(() => firstPageAt.has(incident), 'a first page');
    latencies.push((firstPageAt.get(incident) as number) - started);
    const ref = decodeIncidentId(incidentId);
    if (ref) alertRuns.push({ ...ref, sentAt: wall(started), answeredAt: wall(answeredAt), pagedAt: wall(firstPageAt.get(incident) as number), pageActivity: 'deliverNotification' });
  });
  return latencies;
}

/** The short code of an incident is a pure function of its id: recompute it, no API call. */
function codeOf(incidentId: string): string {
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
  floorRuns.length = 0;
  alertRuns.length = 0;
  const floorPhase = await startPhase('core-floor', stack.devServer.process.pid);
  const floor = await measureFloor(ALERTS);
  const floorCpu = await floorPhase.stop();
  const alertsPhase = await startPhase('core-alerts', stack.devServer.process.pid);
  const alerts = await measureAlerts(ALERTS);
  const alertsCpu = await alertsPhase.stop();
  console.log(`bench:core on the Temporal dev server, ${ALERTS} each, ${CONCURRENCY} in flight`);
  console.log(line('floor: signalWithStart + 1 activity', floor));
  console.log(line('alert → first notification', alerts));
  console.log(`ratio p50 ${(percentile(alerts, 50) / percentile(floor, 50)).toFixed(2)}×   p99 ${(percentile(alerts, 99) / percentile(floor, 99)).toFixed(2)}×   (target ≤ 1.2×)`);
  console.log(cpuPerItem('floor:', floorCpu, ALERTS));
  console.log(cpuPerItem('alerts:', alertsCpu, ALERTS));
  if (PHASES) {
    const read = async (runs: RunTimes[]) => (await Promise.all(runs.map((run) => phasesOf(stack.client, run)))).filter((phases) => phases !== undefined);
    console.log(phaseTable(await read(floorRuns), await read(alertRuns)));
    const last = alertRuns.at(-1);
    if (last) console.log(`one incident's history:\n${await historyLines(stack.client, last.workflowId, last.runId)}`);
  }
  const floorOf = (p: number) => ({ name: `signalWithStart + 1 activity, p${p}`, value: percentile(floor, p) });
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
