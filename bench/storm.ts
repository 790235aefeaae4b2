/**
 * `npm run bench:storm`: an alert storm through the HTTP API. 10,000 alerts over 50 dedup keys,
 * from concurrent HTTP clients, as fast as the API takes them; then the raw ceiling measured in
 * the same run: signalWithStart calls/s from a client straight to the same dev server. Reports
 * accepted alerts/s, request latency, incidents opened, alerts lost and pages sent.
 * Loopback only; bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import { parseConfig } from '../domain/config';
import type { EmailTransport, SmsTransport } from '../domain/transports';
import { startStack, STACK_AUTH } from '../devkit/stack';
import { incidentQuery } from '../contracts/incident';
import { percentile, runBounded } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';

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

/**
 * The ceiling: signalWithStart straight from a client, same server, same concurrency and keys.
 * Measured before and after the storm (the server is busier after it); the higher one counts.
 */
async function measureCeiling(when: string): Promise<number> {
  const start = performance.now();
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
    });
  });
  return CEILING_CALLS / ((performance.now() - start) / 1000);
}

try {
  const ceilingBefore = await measureCeiling('before');

  // The storm, through the API.
  const latencies: number[] = [];
  const incidentIds = new Set<string>();
  let rejected = 0;
  let spooled = 0;
  const stormStart = performance.now();
  const answeredAtS: number[] = [];
  await runBounded(ALERTS, CONCURRENCY, async (index) => {
    if (index % 500 === 0) withinDeadline('the storm');
    const sent = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/alerts`, {
      method: 'POST',
      headers: { ...STACK_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'storm', summary: `storm key ${index % KEYS}`, severity: 'critical', dedupKey: `storm-${runTag}-${index % KEYS}` }),
    });
    const body = (await response.json()) as { incidentId?: string; status?: string };
    latencies.push(performance.now() - sent);
    answeredAtS.push((performance.now() - stormStart) / 1000); // for bench:report's throughput-over-time chart
    if (response.status === 202 && body.incidentId) incidentIds.add(body.incidentId);
    else if (response.status === 202 && body.status === 'spooled') spooled += 1;
    else rejected += 1;
  });
  const stormSeconds = (performance.now() - stormStart) / 1000;

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
  const ceilingPerSecond = Math.max(ceilingBefore, ceilingAfter);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // let the last pages go out

  const acceptedPerSecond = (ALERTS - rejected) / stormSeconds;
  console.log(`bench:storm on the Temporal dev server: ${ALERTS} alerts over ${KEYS} keys, ${CONCURRENCY} concurrent HTTP clients`);
  console.log(`accepted            ${ALERTS - rejected} (rejected ${rejected}, of them spooled ${spooled}) in ${stormSeconds.toFixed(1)} s = ${acceptedPerSecond.toFixed(0)} alerts/s`);
  console.log(`request latency     p50 ${percentile(latencies, 50).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms`);
  console.log(`incidents opened    ${incidentIds.size} (expected ${KEYS})`);
  console.log(`alerts lost         ${ALERTS - rejected - counted} (accepted ${ALERTS - rejected}, counted in incidents ${counted}, ${settleSeconds.toFixed(0)} s after the storm)`);
  console.log(`histories           longest run ${longestHistory} events; ${runs} runs for ${incidentIds.size} incidents (hand-over past 2,000 events)`);
  console.log(`pages sent          ${pagesByService.get('storm') ?? 0} (policy allows ${KEYS}: one level, one person, email)`);
  console.log(`ceiling             ${ceilingBefore.toFixed(0)} before, ${ceilingAfter.toFixed(0)} after the storm: signalWithStart/s straight to the server (${CEILING_CALLS} calls each)`);
  console.log(`API / ceiling       ${((acceptedPerSecond / ceilingPerSecond) * 100).toFixed(0)}% of the higher ceiling   (goal ≥ 70%)`);
  writeBenchResult({
    bench: 'storm',
    settings: { BENCH_ALERTS: ALERTS, BENCH_KEYS: KEYS, BENCH_CONCURRENCY: CONCURRENCY, BENCH_CEILING_CALLS: CEILING_CALLS },
    figures: [
      { name: 'alerts accepted through the API', value: acceptedPerSecond, unit: 'alerts/s', floor: { name: 'signalWithStart ceiling (higher of before/after)', value: ceilingPerSecond }, goal: '≥ 90% of the ceiling' },
      { name: 'request latency, p50', value: percentile(latencies, 50), unit: 'ms' },
      { name: 'request latency, p99', value: percentile(latencies, 99), unit: 'ms' },
      { name: 'alerts lost', value: ALERTS - rejected - counted, unit: 'count', goal: '0' },
    ],
    series: { answeredAtS, ceilingPerSecond: [ceilingPerSecond] },
  });
} finally {
  await stack.stop();
}
