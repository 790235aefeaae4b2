/**
 * `npm run bench:storm`: an alert storm through the HTTP API. 10,000 alerts over 50 dedup keys,
 * from concurrent HTTP clients, as fast as the API takes them; then the raw ceiling measured in
 * the same run: signalWithStart calls/s from a client straight to the same dev server. Reports
 * accepted alerts/s, request latency, incidents opened, alerts lost and pages sent, and the CPU
 * each phase cost per call (this process, the dev server, the senders), the steadier figure on a
 * shared machine. The senders run in a child process (bench/stormSenders.ts), as senders run on
 * other hosts; the API, the worker and the ceiling's client share this one, as before.
 * `BENCH_CPU_PROFILE=<dir>` writes a CPU profile of this process per phase.
 * Loopback only; bounded in count and time.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import { BackendUnavailableError } from '../api/gateways/incidentGateway';
import { parseConfig } from '../domain/config';
import type { EmailTransport, SmsTransport } from '../domain/transports';
import { startStack, STACK_AUTH } from '../devkit/stack';
import { incidentQuery } from '../contracts/incident';
import { percentile, runBounded } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';
import { cpuPerItem, procCpuMs, startPhase, type PhaseCpu } from './harness/phaseCpu';
import type { StormSendersInput, StormSendersResult } from './stormSenders';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CEILING_CALLS = Number(process.env.BENCH_CEILING_CALLS ?? 3_000);
/** How long to wait, after the storm, for every accepted alert to be counted (spooled ones drain first). */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_S ?? 600) * 1000;
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MIN ?? 20) * 60_000;
const started = Date.now();

function withinDeadline(what: string): void {
  if (Date.now() - started > DEADLINE_MS) throw new Error(`bench:storm passed its ${DEADLINE_MS / 60_000} min bound during ${what}`);
}

const pagesByService = new Map<string, number>();
const countPage = (subject: string) => {
  const service = /: (?:critical|error|warning|info) (\S+):/.exec(subject)?.[1] ?? 'unknown';
  pagesByService.set(service, (pagesByService.get(service) ?? 0) + 1);
};
const email: EmailTransport = { name: 'bench', send: async (message) => countPage(message.subject) };
const sms: SmsTransport = { name: 'bench', send: async () => ({ id: randomUUID() }) };

const config = parseConfig(
  {
    services: {},
    defaultEscalationPolicy: 'one',
    contacts: { oncall: { name: 'On-call', email: 'oncall@example.test' } },
    escalationPolicies: { one: { levels: [{ notify: ['oncall'], channels: ['email'], timeout: '1h' }] } },
  },
  'bench config',
);

// BENCH_SPOOL=1 gives the API its SQL store and spool, as `npm start` does. Off by default: here
// the API, the worker and the HTTP clients share one process, and once a slow call tips the API
// into spooling, PGlite's inserts compete with the workflow tasks on the same thread.
const stack = await startStack({ config, email, sms, runbooks: [], spool: process.env.BENCH_SPOOL === '1' });
const gateway = createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue });
const runTag = randomUUID().slice(0, 8);

/** What the senders' process says over IPC. */
type SendersMessage = { ready?: boolean; result?: StormSendersResult; error?: string };

/**
 * The ceiling: signalWithStart straight from a client, same server, same concurrency and keys.
 * Measured before and after the storm (the server is busier after it); the higher one counts.
 */
async function measureCeiling(when: string): Promise<{ perSecond: number; failed: number; cpu: PhaseCpu }> {
  const phase = await startPhase(`ceiling-${when}`, stack.devServer.process.pid);
  const start = performance.now();
  // A call past the intake deadline (a loaded machine) counts as not done, as a 503 does in the storm.
  let failed = 0;
  await runBounded(CEILING_CALLS, CONCURRENCY, async (index) => {
    if (index % 500 === 0) withinDeadline(`the ceiling ${when}`);
    await gateway.submitAlert({
      id: randomUUID(),
      service: 'ceiling',
      summary: `ceiling key ${index % KEYS}`,
      severity: 'critical',
      dedupKey: `ceiling-${when}-${runTag}-${index % KEYS}`,
      source: 'bench',
      labels: {},
      details: {},
      receivedAt: new Date().toISOString(),
    }).catch((error: unknown) => {
      if (!(error instanceof BackendUnavailableError)) throw error;
      failed += 1;
    });
  });
  const perSecond = (CEILING_CALLS - failed) / ((performance.now() - start) / 1000);
  return { perSecond, failed, cpu: await phase.stop() };
}

try {
  const ceilingBefore = await measureCeiling('before');

  // The storm, through the API, from senders in their own process (bench/stormSenders.ts).
  const senders = fork(fileURLToPath(new URL('./stormSenders.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const arrived = new EventEmitter();
  senders.on('message', (message: SendersMessage) => arrived.emit('message', message));
  senders.once('exit', (code) => arrived.emit('message', { error: `the senders exited (code ${code}) before reporting` }));
  /** The senders' next message, within the bench's bound. */
  const nextMessage = async () => {
    const left = DEADLINE_MS - (Date.now() - started);
    const timer = setTimeout(() => arrived.emit('message', { error: `passed the ${DEADLINE_MS / 60_000} min bound during the storm` }), Math.max(0, left));
    try {
      const [message] = (await once(arrived, 'message')) as [SendersMessage];
      if (message.error) throw new Error(`bench:storm senders: ${message.error}`);
      return message;
    } finally {
      clearTimeout(timer);
    }
  };
  let report: StormSendersResult;
  let sendersCpuMs: number | undefined;
  let stormPhase: Awaited<ReturnType<typeof startPhase>>;
  try {
    const ready = nextMessage();
    senders.send({ apiUrl: stack.apiUrl, authorization: STACK_AUTH.authorization, alerts: ALERTS, keys: KEYS, concurrency: CONCURRENCY, runTag } satisfies StormSendersInput);
    await ready;
    const sendersCpuBefore = procCpuMs(senders.pid);
    stormPhase = await startPhase('storm', stack.devServer.process.pid);
    const finished = nextMessage();
    senders.send('go');
    report = (await finished).result as StormSendersResult;
    const sendersCpuAfter = procCpuMs(senders.pid);
    sendersCpuMs = sendersCpuBefore !== undefined && sendersCpuAfter !== undefined ? sendersCpuAfter - sendersCpuBefore : undefined;
  } finally {
    if (senders.exitCode === null) senders.kill();
  }
  const { latencies, rejected, spooled, seconds: stormSeconds } = report;
  const incidentIds = new Set(report.incidentIds);
  for (const failure of report.failures) console.log(`not accepted        ${failure}`);
  const stormCpu = await stormPhase.stop();

  // Every accepted alert (spooled ones included, once the spool drains) must be counted in its
  // incident: read each key's incident back until they all are.
  let counted = 0;
  const settleStart = Date.now();
  for (;;) {
    withinDeadline('counting');
    counted = 0;
    for (let key = 0; key < KEYS; key++) {
      const view = await stack.client.workflow.getHandle(`incident/storm/storm-${runTag}-${key}`).query(incidentQuery).catch(() => undefined);
      counted += view?.alertCount ?? 0;
      if (view) incidentIds.add(view.id);
    }
    if (counted >= ALERTS - rejected || Date.now() - settleStart > SETTLE_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const settleSeconds = (Date.now() - settleStart) / 1000;

  // How long the incidents' histories grew, over every run each incident used.
  let longestHistory = 0;
  let runs = 0;
  for (let key = 0; key < KEYS; key++) {
    const workflowId = `incident/storm/storm-${runTag}-${key}`;
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs += 1;
      // Visibility fills in the length only when a run closes; ask an open run itself.
      const length = execution.historyLength || (await stack.client.workflow.getHandle(workflowId, execution.runId).describe()).historyLength;
      longestHistory = Math.max(longestHistory, length);
    }
  }

  const ceilingAfter = await measureCeiling('after');
  const ceilingPerSecond = Math.max(ceilingBefore.perSecond, ceilingAfter.perSecond);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the last pages go out

  const acceptedPerSecond = (ALERTS - rejected) / stormSeconds;
  console.log(`bench:storm on the Temporal dev server: ${ALERTS} alerts over ${KEYS} keys, ${CONCURRENCY} concurrent HTTP clients`);
  console.log(`accepted            ${ALERTS - rejected} (rejected ${rejected}, of them spooled ${spooled}) in ${stormSeconds.toFixed(1)} s = ${acceptedPerSecond.toFixed(0)} alerts/s`);
  console.log(`request latency     p50 ${percentile(latencies, 50).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms`);
  console.log(`incidents opened    ${incidentIds.size} (expected ${KEYS})`);
  console.log(`alerts lost         ${ALERTS - rejected - counted} (accepted ${ALERTS - rejected}, counted in incidents ${counted}, ${settleSeconds.toFixed(0)} s after the storm)`);
  console.log(`histories           longest run ${longestHistory} events; ${runs} runs for ${incidentIds.size} incidents (hand-over past 2,000 events)`);
  console.log(`pages sent          ${pagesByService.get('storm') ?? 0} (policy allows ${KEYS}: one level, one person, email)`);
  console.log(`ceiling             ${ceilingBefore.perSecond.toFixed(0)} before, ${ceilingAfter.perSecond.toFixed(0)} after the storm: signalWithStart/s straight to the server (${CEILING_CALLS} calls each${ceilingBefore.failed + ceilingAfter.failed > 0 ? `; past the deadline ${ceilingBefore.failed} before, ${ceilingAfter.failed} after` : ''})`);
  console.log(`API / ceiling       ${((acceptedPerSecond / ceilingPerSecond) * 100).toFixed(0)}% of the higher ceiling   (goal ≥ 90%)`);
  console.log(cpuPerItem('CPU storm          ', stormCpu, ALERTS) + (sendersCpuMs === undefined ? '' : `; senders ${(sendersCpuMs / ALERTS).toFixed(2)} ms in theirs`));
  console.log(cpuPerItem('CPU ceiling before ', ceilingBefore.cpu, CEILING_CALLS));
  console.log(cpuPerItem('CPU ceiling after  ', ceilingAfter.cpu, CEILING_CALLS));
  writeBenchResult({
    bench: 'storm',
    settings: { BENCH_ALERTS: ALERTS, BENCH_KEYS: KEYS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_CEILING_CALLS: CEILING_CALLS },
    figures: [
      { name: 'alerts accepted through the API', value: acceptedPerSecond, unit: 'alerts/s', floor: { name: 'signalWithStart ceiling (higher of before/after)', value: ceilingPerSecond }, goal: '≥ 90% of the ceiling' },
      { name: 'request latency, p50', value: percentile(latencies, 50), unit: 'ms' },
      { name: 'request latency, p99', value: percentile(latencies, 99), unit: 'ms' },
      { name: 'alerts lost', value: ALERTS - rejected - counted, unit: 'count', goal: '0' },
    ],
    series: { answeredAtS: report.answeredAtS, ceilingPerSecond: [ceilingPerSecond] },
  });
} finally {
  await stack.stop();
}
