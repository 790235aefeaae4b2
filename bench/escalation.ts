/**
 * `npm run bench:escalation`: what waiting incidents cost, on the real Temporal dev server
 * (started here, loopback only), with floors measured in the same run on the same server.
 *
 * 1. Worker memory per open incident. The Vigil worker runs as a child process
 *    (bench/escalationWorker.ts: worker/main.ts as `npm run worker` runs it), so its RSS is its
 *    own. Incidents are opened through the API's gateway (signalWithStart with a frozen plan) on a
 *    policy whose levels wait 1 h, so each one pages once (to an SMTP sink) and then waits on a
 *    pending timer. RSS is read from /proc/<pid>/status once every incident has paged and the
 *    readings have settled, then again after a full GC of the worker's main thread:
 *    - before and after BENCH_INCIDENTS (1,000) incidents, with the SDK's default cache size;
 *    - the same for a bare worker whose workflows run one activity and wait on a 1 h timer (the floor);
 *    - a plateau check up to BENCH_PLATEAU (10,000) incidents with maxCachedWorkflows BENCH_CACHE (1,000).
 * 2. Page lateness. Level 1 waits BENCH_LEVEL_TIMEOUT_S (5 s); lateness = when the SMTP sink
 *    received the level-2 page minus the incident's `escalation.nextLevelAt` (read by query before
 *    it fires). Floor: a bare workflow that sleeps as long and then runs one activity recording the
 *    time; beside it the same floor whose activity sends one email to the sink, and Vigil's time of
 *    handing the page to the transport, so like can be compared with like (the sink, smtp-server,
 *    holds every new connection 100 ms before its greeting). BENCH_SAMPLES (200) of each, in
 *    waves of BENCH_WAVE (20) whose starts are BENCH_STAGGER_MS apart.
 *
 * Bounded in count and time (BENCH_DEADLINE_MIN, 14 min); every child process is killed on the
 * way out, on failure or on SIGINT/SIGTERM too.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { planIncident } from '../domain/incidentPlan';
import { createSmtpEmailTransport } from '../activities/transports/smtpEmail';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import type { Alert } from '../domain/alert';
import { parseConfig } from '../domain/config';
import type { DevServer } from '../scripts/devServer';
import { makeAlert } from '../devkit/alerts';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { LATE_SERVICE, latenessRun } from './escalationLateness';
import { benchClock, sleep } from './harness/benchClock';
import { benchCleanups, envNumber, uptimeLine } from './harness/benchProcess';
import { benchHome, startBenchTemporal, workerBaseEnv } from './harness/benchServers';
import { escalationReport, type LatenessRun, type MemoryRun } from './harness/escalationReport';
import { startEscalationSink } from './harness/escalationSink';
import { finishBench } from './harness/finish';
import { escalationResult } from './harness/escalationResult';
import { writeBenchResult } from './harness/benchResult';
import { sampleLoad } from './harness/loadSampler';
import { readMemory, startMemoryWorker } from './harness/memoryWorker';
import { openMany } from './harness/openMany';
import { submitWithRetries } from './harness/openIncident';

/** Vigil's workers encrypt payloads, as deployments and `npm start` run them; the bench's client reads with the same key. */
const PAYLOAD_KEYS = newPayloadKeyEntry('bench');

const INCIDENTS = envNumber('BENCH_INCIDENTS', 1_000);
const PLATEAU = envNumber('BENCH_PLATEAU', 10_000);
const CACHE = envNumber('BENCH_CACHE', 1_000);
const SAMPLES = envNumber('BENCH_SAMPLES', 200);
const WAVE = Math.max(1, envNumber('BENCH_WAVE', 20));
const LEVEL_TIMEOUT_S = Math.max(1, envNumber('BENCH_LEVEL_TIMEOUT_S', 5));
/**
 * Within a wave, sample i starts i × BENCH_STAGGER_MS after the first, so a wave's timers fall due
 * spread over the level's timeout, not all in the same instant (0: all at once, a burst).
 */
const STAGGER_MS = envNumber('BENCH_STAGGER_MS', Math.floor((LEVEL_TIMEOUT_S * 1000) / WAVE));
const CONCURRENCY = Math.max(1, envNumber('BENCH_CONCURRENCY', 16));
/** At most this many incidents opened and not yet paged: the worker is kept busy, not buried. */
const BACKLOG = Math.max(CONCURRENCY, envNumber('BENCH_BACKLOG', 500));
const DEADLINE_MS = envNumber('BENCH_DEADLINE_MIN', 14) * 60_000;
/** Extra node flags for the worker children (e.g. `--max-old-space-size=512`), space-separated. */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** Incidents opened before the "before" reading, so bundling and first-use costs are behind us. */
const WARMUP = 20;
const HOLD = '1h';
const HOLD_MS = 3_600_000;

const tag = randomUUID().slice(0, 8);
// Clean-up: everything started is stopped on the way out, whatever the way out is.
const cleanups = benchCleanups('bench:escalation');
const clock = benchClock({ name: 'bench:escalation', deadlineMs: DEADLINE_MS, cleanups });
const { started, progress } = clock;
// The machine is shared, so the 1-minute load average goes beside every figure.
const load = sampleLoad();
// The SMTP sink: every page of every part lands here, stamped on receipt.
const sink = await startEscalationSink(LATE_SERVICE);
cleanups.push({ what: 'the SMTP sink', run: () => sink.close() });
const limits = { concurrency: CONCURRENCY, backlog: BACKLOG, clock };

// ---------------------------------------------------------------------------------------------
// Part 1: memory.

const memoryConfigRaw = {
  services: {},
  defaultEscalationPolicy: 'hold',
  contacts: { oncall: { name: 'On-call', email: 'oncall@example.test' }, lead: { name: 'Lead', email: 'lead@example.test' } },
  escalationPolicies: {
    hold: {
      levels: [
        { notify: ['oncall'], channels: ['email'], timeout: HOLD },
        { notify: ['lead'], channels: ['email'], timeout: HOLD },
      ],
    },
  },
};
const memoryConfig = parseConfig(memoryConfigRaw, 'bench memory config');

async function memoryRun(options: {
  label: string;
  kind: 'vigil' | 'floor';
  devServer: DevServer;
  client: Client;
  home: string;
  checkpoints: number[];
  maxCachedWorkflows?: number;
}): Promise<MemoryRun> {
  const { label, kind, client } = options;
  const phaseStart = Date.now();
  const taskQueue = `bench-escalation-${label}-${tag}`;
  const vigilHome = await mkdtemp(join(options.home, `${label}-`));
  const env = workerBaseEnv({ keepDatabaseUrl: true });
  Object.assign(env, {
    BENCH_WORKER: kind,
    TEMPORAL_ADDRESS: options.devServer.address,
    VIGIL_TASK_QUEUE: taskQueue,
    VIGIL_CONFIG: join(options.home, 'vigil.config.mjs'),
    VIGIL_HOME: vigilHome,
    VIGIL_PAYLOAD_KEYS: PAYLOAD_KEYS,
    SMTP_URL: sink.url,
    LOG_LEVEL: 'warn',
    ...(options.maxCachedWorkflows !== undefined ? { BENCH_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows) } : {}),
  });
  progress(`${label}: starting the worker (${kind}${options.maxCachedWorkflows !== undefined ? `, maxCachedWorkflows ${options.maxCachedWorkflows}` : ', default cache'})`);
  const child = await startMemoryWorker({ label, env, nodeArgs: WORKER_NODE_ARGS, cleanups, clock });
  const retries = { count: 0 };
  try {
    let open: (index: number) => Promise<void>;
    let done: () => number | Promise<number>;
    if (kind === 'vigil') {
      const service = `mem-${label}`;
      const gateway = createTemporalGateway({ client, taskQueue, plan: (alert) => planIncident(memoryConfig, [], alert) });
      open = async (index) => {
        await submitWithRetries(gateway, makeAlert({ service, dedupKey: `${label}-${tag}-${index}`, summary: `escalation bench ${label} ${index}` }), retries);
      };
      done = () => sink.pagesOf(service);
    } else {
      open = async (index) => {
        const workflowId = `bench-escalation-${label}-${tag}-${index}`;
        for (let attempt = 1; ; attempt++) {
          try {
            await client.workflow.start('escalationFloorWorkflow', { taskQueue, workflowId, args: [workflowId, HOLD_MS, true] });
            return;
          } catch (error) {
            if (error instanceof WorkflowExecutionAlreadyStartedError) return;
            if (attempt >= 4) throw error;
            retries.count += 1;
            await sleep(200 * attempt);
          }
        }
      };
      done = async () => (await child.status()).activityCalls;
    }

    await openMany(`${label} warm-up`, 0, WARMUP, open, done, limits);
    const points = [await readMemory(child, WARMUP, clock)];
    let opened = WARMUP;
    let openMs = 0;
    for (const checkpoint of options.checkpoints) {
      const from = performance.now();
      await openMany(label, opened, checkpoint, open, done, limits);
      openMs += performance.now() - from;
      opened = checkpoint;
      points.push(await readMemory(child, checkpoint, clock));
    }
    return { label, maxCachedWorkflows: child.maxCachedWorkflows, points, openSeconds: openMs / 1000, retries: retries.count, from: phaseStart, to: Date.now() };
  } finally {
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

const command = `npm run bench:escalation   (BENCH_INCIDENTS=${INCIDENTS} BENCH_PLATEAU=${PLATEAU} BENCH_CACHE=${CACHE} BENCH_SAMPLES=${SAMPLES} BENCH_WAVE=${WAVE} BENCH_STAGGER_MS=${STAGGER_MS} BENCH_LEVEL_TIMEOUT_S=${LEVEL_TIMEOUT_S} BENCH_CONCURRENCY=${CONCURRENCY} BENCH_BACKLOG=${BACKLOG}${WORKER_NODE_ARGS.length ? ` BENCH_WORKER_NODE_ARGS="${WORKER_NODE_ARGS.join(' ')}"` : ''})`;
const uptimeBefore = uptimeLine();
let failed: unknown;
let lateness: LatenessRun | undefined;
let perIncident: MemoryRun | undefined;
let floorMemory: MemoryRun | undefined;
let plateau: MemoryRun | undefined;

try {
  const { devServer, client } = await startBenchTemporal(cleanups, { dataConverter: payloadEncryptionWith(parsePayloadKeys(PAYLOAD_KEYS)).dataConverter });
  const home = await benchHome('escalation', cleanups);
  await writeFile(join(home, 'vigil.config.mjs'), `export default ${JSON.stringify(memoryConfigRaw)};\n`);

  // Lateness first, on a quiet server; the memory runs then fill it with waiting workflows.
  if (SAMPLES > 0) lateness = await latenessRun({ devServer, sink, cleanups, clock, tag, settings: { LEVEL_TIMEOUT_S, SAMPLES, WAVE, STAGGER_MS, PAYLOAD_KEYS } });
  if (INCIDENTS > 0) {
    perIncident = await memoryRun({ label: 'vigil', kind: 'vigil', devServer, client, home, checkpoints: [WARMUP + INCIDENTS] });
    floorMemory = await memoryRun({ label: 'floor', kind: 'floor', devServer, client, home, checkpoints: [WARMUP + INCIDENTS] });
  }
  if (PLATEAU > WARMUP) {
    const checkpoints = [...new Set([0.1, 0.25, 0.5, 0.75, 1].map((share) => Math.round(PLATEAU * share)))].filter((open) => open > WARMUP);
    plateau = await memoryRun({ label: 'plateau', kind: 'vigil', devServer, client, home, checkpoints, maxCachedWorkflows: CACHE });
  }
} catch (error) {
  failed = error;
} finally {
  await cleanups.cleanUp();
}


// ---------------------------------------------------------------------------------------------
// The report.

const report = escalationReport(
  { command, started, uptimeBefore, perIncident, floorMemory, plateau, lateness, loadBetween: (from, to) => `load ${load.range(from, to)}` },
  { WARMUP, LEVEL_TIMEOUT_S, SAMPLES, WAVE, STAGGER_MS },
);
report.push('');
report.push(`uptime after:  ${uptimeLine()}`);
// Written on failure too: the parts that finished are figures; the page says the run failed.
writeBenchResult(escalationResult({ perIncident, floorMemory, plateau, lateness }, { INCIDENTS, PLATEAU, CACHE, SAMPLES, LEVEL_TIMEOUT_S }));
finishBench({ name: 'bench:escalation', report, cleanups, failed });
