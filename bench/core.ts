/**
 * `npm run bench:core`: alert-to-first-notification latency through the whole stack (HTTP API →
 * Temporal dev server → worker → notification transport) for 200 alerts, next to the floor
 * measured in the same run on the same server: a bare signalWithStart of a workflow that runs one
 * activity (the least Temporal does for an alert that starts an incident). `BENCH_API=process`
 * runs the API in its own process (api/main.ts) as a deployment does; by default it shares this
 * process with the worker. Loopback only; bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { parseConfig } from '../domain/config';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import type { EmailTransport, SmsTransport } from '../domain/transports';
import { startStack, STACK_AUTH } from '../devkit/stack';
import { decodeIncidentId, incidentCode } from '../domain/incidentId';
import { percentile, runBounded } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';
import { bundleFloorWorkflow } from './harness/floorBundle';
import { cpuPerItem, procCpuMs, startPhase } from './harness/phaseCpu';
import { historyLines, phasesOf, phaseTable, type RunTimes } from './harness/corePhases';
import { benchCleanups } from './harness/benchProcess';
import { startApiProcess } from './harness/apiProcess';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DEADLINE_MS = 5 * 60_000;
/** `BENCH_PHASES=1`: also read each measured run's history and print where its time went. */
const PHASES = process.env.BENCH_PHASES === '1';
/**
 * Where the API runs: `inline` (default), on this process's event loop beside the worker
 * (devkit/stack.ts), the shape every earlier figure was taken in; `process`, api/main.ts in a
 * process of its own, as `npm start` and a deployment run it, with its own store, storm guard and
 * spool (decision 89 measured both: on this 2-core machine the third process costs more than the
 * shared event loop did).
 */
const API_SHAPE = process.env.BENCH_API ?? 'inline';
if (API_SHAPE !== 'process' && API_SHAPE !== 'inline') throw new Error(`BENCH_API: expected process or inline, got "${API_SHAPE}"`);
const BENCH_API_KEY_ENV = 'VIGIL_BENCH_API_KEY';
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

const rawConfig = {
  services: { bench: { escalationPolicy: 'one' } },
  defaultEscalationPolicy: 'one',
  contacts: { oncall: { name: 'On-call', email: 'oncall@example.test' } },
  escalationPolicies: { one: { levels: [{ notify: ['oncall'], channels: ['email'], timeout: '1h' }] } },
  // The API process's key; its new incidents are not a storm (a deployment expecting this rate sets the same).
  apiKeys: [{ user: 'bench', env: BENCH_API_KEY_ENV, role: 'operations-manager' }],
  limits: { newIncidentsPerMinute: 100_000 },
};
const config = parseConfig(rawConfig, 'bench config');

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
  workflowBundle: await bundleFloorWorkflow(),
  activities: {
    async touch(startedAtMs: number) {
      floorDone.set(String(startedAtMs), performance.now());
    },
  },
});
const floorRunning = floorWorker.run();
const cleanups = benchCleanups('bench:core');
const api =
  API_SHAPE === 'process'
    ? await startApiProcess({ rawConfig, temporalAddress: stack.devServer.address, taskQueue: stack.taskQueue, payloadKeys, env: { [BENCH_API_KEY_ENV]: STACK_AUTH.authorization.slice('Bearer '.length) }, cleanups })
    : undefined;
const apiUrl = api?.url ?? stack.apiUrl;

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
    const response = await fetch(`${apiUrl}/v1/alerts`, {
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
  const apiCpuBefore = procCpuMs(api?.process.pid);
  const alerts = await measureAlerts(ALERTS);
  const apiCpuAfter = procCpuMs(api?.process.pid);
  const alertsCpu = await alertsPhase.stop();
  console.log(`bench:core on the Temporal dev server, ${ALERTS} each, ${CONCURRENCY} in flight, the API ${API_SHAPE === 'process' ? 'in its own process (api/main.ts)' : 'in the bench process beside the worker'}`);
  console.log(line('floor: signalWithStart + 1 activity', floor));
  console.log(line('alert → first notification', alerts));
  console.log(`ratio p50 ${(percentile(alerts, 50) / percentile(floor, 50)).toFixed(2)}×   p99 ${(percentile(alerts, 99) / percentile(floor, 99)).toFixed(2)}×   (target ≤ 1.2×)`);
  console.log(cpuPerItem('floor:', floorCpu, ALERTS));
  console.log(cpuPerItem('alerts:', alertsCpu, ALERTS));
  if (apiCpuBefore !== undefined && apiCpuAfter !== undefined) console.log(`alerts: ${((apiCpuAfter - apiCpuBefore) / ALERTS).toFixed(2)} ms CPU per call in the API process`);
  if (PHASES) {
    const read = async (runs: RunTimes[]) => (await Promise.all(runs.map((run) => phasesOf(stack.client, run)))).filter((phases) => phases !== undefined);
    console.log(phaseTable(await read(floorRuns), await read(alertRuns)));
    const last = alertRuns.at(-1);
    if (last) console.log(`one incident's history:\n${await historyLines(stack.client, last.workflowId, last.runId)}`);
  }
  const floorOf = (p: number) => ({ name: `signalWithStart + 1 activity, p${p}`, value: percentile(floor, p) });
  writeBenchResult({
    bench: 'core',
    settings: { BENCH_ALERTS: ALERTS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_API: API_SHAPE },
    figures: [50, 99].map((p) => ({ name: `alert → first page, p${p}`, value: percentile(alerts, p), unit: 'ms', floor: floorOf(p), goal: '≤ 1.2× the floor' })),
    series: { floor, alerts },
  });
} finally {
  await cleanups.cleanUp();
  floorWorker.shutdown();
  await floorRunning;
  await stack.stop();
}
