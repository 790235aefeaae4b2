/**
 * `npm run bench:crash`: crash trials. BENCH_TRIALS (100) times, the real worker process
 * (worker/main.ts, as `npm run worker` runs it) is killed with SIGKILL at a random moment of an
 * escalation and started again, on the real Temporal dev server (started here, loopback only, its
 * state in a SQLite file in a temporary directory) with a real SMTP sink.
 *
 * The policy pages alice, then bob, then carol, by email only; levels 1 and 2 wait
 * BENCH_LEVEL_TIMEOUT_S (2 s) each, level 3 waits 1 h (so every incident pages three times, then
 * waits). Each trial opens an incident through the API's gateway (signalWithStart with a frozen
 * plan, as the API does; one dedup key per trial), kills the worker uniformly within
 * BENCH_KILL_WINDOW_S (two level timeouts + 1 s: 5 s) of opening it, so kills land before,
 * between and right at page sends, waits uniformly 0..BENCH_DOWN_MAX_S (3 s), starts a new worker
 * and waits until all three levels have paged. The worker started by one trial serves the next
 * one, so each trial has exactly one kill.
 *
 * As on several hosts: each lane runs BENCH_HOSTS (2) worker processes on one task queue, each on
 * its own VIGIL_HOME, sharing only Temporal and one PostgreSQL (`DATABASE_URL`: a PGlite served
 * over the PostgreSQL wire protocol by @electric-sql/pglite-socket, started here), where the
 * delivery log lives. A trial kills one of them (drawn at random) and restarts it; the other goes
 * on, so a page killed in flight is retried on the other host. A share BENCH_ACCEPT_KILL_SHARE
 * (0.5) of the trials kill instead right after the provider accepted a page: when the SMTP sink
 * has a page of that trial's drawn level, it answers 250 and at once SIGKILLs the worker that
 * sent it (known by its envelope sender), before that worker can confirm the delivery.
 *
 * A trial takes about 10-15 s, most of it the sticky timeout (10 s) that the killed worker's next
 * workflow task waits out; a page activity killed in flight is retried once its heartbeat
 * timeout (10 s) passes. So trials run on BENCH_LANES (2) lanes side by side: each lane has its
 * own task queue and worker process and runs its trials one after another, so a kill hits only its
 * own lane's worker and incident. 100 trials take about 15 min on 2 lanes (about 28 min on 1).
 *
 * Per trial, from the pages the sink received (filtered by the incident's code):
 *   - duplicates: pages beyond one per level (per person); counted after a grace period long
 *     enough for a page activity killed in flight to time out and be retried;
 *   - missed steps: levels never paged;
 *   - lateness of the next page after the restart (the first page the new worker sent), and of
 *     every page it sent: receipt − max(planned time, worker ready), where "worker ready" is when
 *     the new worker's SDK log line `Worker state changed { state: 'RUNNING' }` reached the bench,
 *     and the planned time of a level is the workflow's start (level 1) or the time the previous
 *     level escalated (the workflow's clock: the start of the workflow task that scheduled its
 *     page, from the history) plus that level's timeout. The goal
 *     is the workflow task / sticky schedule-to-start timeout (10 s, the SDK's default) plus 2 s.
 * The incident's history says what a late page waited for (a sticky task timing out, a workflow
 * task or a page activity killed in flight and retried).
 *
 * Random choices come from a seeded PRNG (the seed is printed; BENCH_SEED reproduces the choices,
 * not the machine's timing). Bounded by BENCH_DEADLINE_MIN (40 min) and per trial; every child
 * process is killed on the way out, on failure or on SIGINT/SIGTERM too.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { planIncident } from '../domain/incidentPlan';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import type { Alert } from '../domain/alert';
import type { DevServer } from '../scripts/devServer';
import { parseConfig } from '../domain/config';
import { openSqlStore } from '../platform/sqlStore';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { makeAlert } from '../devkit/alerts';
import { seededRandom } from '../devkit/seededRandom';
import { benchClock, DeadlineError, seconds, sleep } from './harness/benchClock';
import { benchCleanups, envNumber, envSeed, uptimeLine } from './harness/benchProcess';
import { benchHome, startBenchTemporal, startSharedPostgres, workerBaseEnv } from './harness/benchServers';
import { crashReport, firstPageAfterRestart, type Trial } from './harness/crashReport';
import { finishBench } from './harness/finish';
import { writeBenchResult } from './harness/benchResult';
import { crashResult } from './harness/crashResult';
import { historyFacts, noFacts } from './harness/incidentHistory';
import { sampleLoad } from './harness/loadSampler';
import { runOnLanes } from './harness/lanes';
import { incidentOf, submitWithRetries } from './harness/openIncident';
import { startPageSink } from './harness/pageSink';
import { startVigilWorker, type VigilWorker } from './harness/vigilWorker';

/** Workers encrypt payloads, as deployments and `npm start` run them; the bench reads histories with the same key. */
const PAYLOAD_KEYS = newPayloadKeyEntry('bench');
const encryption = payloadEncryptionWith(parsePayloadKeys(PAYLOAD_KEYS));

const TRIALS = Math.floor(envNumber('BENCH_TRIALS', 100));
const LEVEL_TIMEOUT_S = Math.max(1, Math.floor(envNumber('BENCH_LEVEL_TIMEOUT_S', 2)));
/** Kills land uniformly in [0, this) after the incident is opened: the escalation's span (2 timeouts) plus 1 s. */
const KILL_WINDOW_MS = envNumber('BENCH_KILL_WINDOW_S', 2 * LEVEL_TIMEOUT_S + 1) * 1000;
const DOWN_MAX_MS = envNumber('BENCH_DOWN_MAX_S', 3) * 1000;
const DEADLINE_MS = envNumber('BENCH_DEADLINE_MIN', 40) * 60_000;
/** How long a trial waits, after the new worker is ready, for all three levels to have paged. */
const TRIAL_WAIT_MS = envNumber('BENCH_TRIAL_WAIT_S', 90) * 1000;
/**
 * Trials run one after another on a lane (its own task queue and worker process); lanes run side
 * by side. A trial is mostly waiting (the sticky timeout), so two lanes halve the run's length.
 */
const LANES = Math.max(1, Math.floor(envNumber('BENCH_LANES', 2)));
const SEED = envSeed();

/** The SDK's defaults: a sticky task waits this long for its worker; a started workflow task this long to complete. */
const STICKY_TIMEOUT_MS = 10_000;
const LATENESS_BOUND_MS = STICKY_TIMEOUT_MS + 2_000;
/** deliverNotification's startToCloseTimeout (30 s, the outer bound past its 10 s heartbeat timeout) + its first retry interval (2 s) + margin: a page killed in flight is retried by then. */
const DUPLICATE_GRACE_MS = 40_000;
/** Worker processes per lane, each on its own VIGIL_HOME, as on that many hosts. */
const HOSTS = Math.max(1, Math.floor(envNumber('BENCH_HOSTS', 2)));
/** Share of the trials that kill right after the SMTP server accepted a page (the rest kill at a random time). */
const ACCEPT_KILL_SHARE = Math.min(1, envNumber('BENCH_ACCEPT_KILL_SHARE', 0.5));
const WORKER_START_MS = envNumber('BENCH_WORKER_START_S', 180) * 1000;

const LEVELS = [
  { level: 1, contact: 'alice', email: 'alice@example.test' },
  { level: 2, contact: 'bob', email: 'bob@example.test' },
  { level: 3, contact: 'carol', email: 'carol@example.test' },
] as const;

const tag = randomUUID().slice(0, 8);

/** Set when a lane fails or the bench is interrupted: the other lanes stop at their next check. */
let stopRequested: string | undefined;
// Clean-up: everything started is stopped on the way out, whatever the way out is.
const cleanups = benchCleanups('bench:crash', (signal) => {
  stopRequested ??= `interrupted by ${signal}`;
});
const { started, progress, withinDeadline, until } = benchClock({ name: 'bench:crash', deadlineMs: DEADLINE_MS, cleanups, stopRequested: () => stopRequested });
const random = seededRandom(SEED);
const load = sampleLoad();

// The SMTP sink: every page lands here, stamped on receipt.
const pages = await startPageSink(LEVELS.map((level) => level.email));
cleanups.push({ what: 'the SMTP sink', run: () => pages.close() });
const { firstPageAt } = pages;

let workersStarted = 0;
function startWorker(lane: { id: number | string; env: NodeJS.ProcessEnv }): VigilWorker {
  return startVigilWorker({ label: `worker #${++workersStarted} (lane ${lane.id})`, env: lane.env, cleanups, until, startTimeoutMs: WORKER_START_MS });
}

// ---------------------------------------------------------------------------------------------
// One trial.

/** One worker process and its task queue; trials run one after another on a lane, lanes side by side. */
interface Lane {
  id: number;
  /** One environment per worker (its own VIGIL_HOME and SMTP_FROM), as on that many hosts. */
  envs: NodeJS.ProcessEnv[];
  gateway: ReturnType<typeof createTemporalGateway>;
  workers: VigilWorker[];
}

/** Drawn up front in trial order, so a seed gives the same trials whatever the lanes' interleaving. */
const draws = Array.from({ length: TRIALS }, () => ({
  killOffsetMs: random() * KILL_WINDOW_MS,
  downMs: random() * DOWN_MAX_MS,
  victim: Math.floor(random() * HOSTS),
  afterAccept: random() < ACCEPT_KILL_SHARE,
  acceptLevel: Math.floor(random() * LEVELS.length),
}));

const startLaneWorker = (lane: Lane, host: number) => startWorker({ id: `${lane.id}${String.fromCharCode(65 + host)}`, env: lane.envs[host] });

async function runTrial(index: number, lane: Lane, client: Client): Promise<Trial> {
  const { killOffsetMs, downMs, afterAccept, acceptLevel } = draws[index - 1];
  let victim = draws[index - 1].victim;
  const allAlive = () => lane.workers.forEach((worker) => worker.alive());

  const openedAt = Date.now();
  const alert = makeAlert({ service: 'crash', dedupKey: `crash-${tag}-${index}`, summary: `crash trial ${index}` });
  // Same alert id on a retry: counted once if the first call did get through.
  const { ref, code } = incidentOf(await submitWithRetries(lane.gateway, alert));

  let killMode: Trial['killMode'] = 'timed';
  let killedAt: number | undefined;
  if (afterAccept) {
    // Armed as soon as the code is known; a page that came earlier is missed and the kill is timed.
    const accepted = new Promise<number>((resolve) =>
      pages.armAcceptKill(code, LEVELS[acceptLevel].email, (from) => {
        const host = lane.workers.findIndex((worker) => worker.from === from);
        if (host < 0) return;
        lane.workers[host].signalKill();
        resolve(host);
      }),
    );
    const host = await Promise.race([accepted, sleep(KILL_WINDOW_MS + 15_000).then(() => undefined)]);
    pages.disarm(code);
    if (host !== undefined) {
      victim = host;
      killMode = 'after-accept';
      killedAt = await lane.workers[host].kill();
    }
  } else {
    await sleep(openedAt + killOffsetMs - Date.now());
  }
  allAlive();
  killedAt ??= await lane.workers[victim].kill();
  const pagedBeforeKill = LEVELS.filter((_, level) => (firstPageAt(code, level) ?? Infinity) <= killedAt).length;
  await sleep(downMs);
  withinDeadline(`trial ${index}`);
  const worker = (lane.workers[victim] = startLaneWorker(lane, victim));
  const restartedAt = worker.spawnedAt;
  const readyAt = await worker.waitReady();

  let complete = true;
  try {
    await until(`trial ${index} (${code}): every level paged`, () => (allAlive(), LEVELS.every((_, level) => firstPageAt(code, level) !== undefined)), TRIAL_WAIT_MS, 10);
  } catch (error) {
    if (error instanceof DeadlineError || stopRequested) throw error;
    allAlive();
    complete = false;
  }

  // Planned times and what happened, from the incident's history; a failure to read it is noted, not fatal.
  let history = noFacts(LEVELS.length);
  const readErrors: string[] = [];
  try {
    // A page reaches the sink before its activity completes (and only then are its started and
    // completed events written), so read until every page paged has its outcome, a few seconds at most.
    const paged = LEVELS.filter((_, level) => firstPageAt(code, level) !== undefined).length;
    const readBy = Date.now() + 5_000;
    for (;;) {
      history = await client.connection.withDeadline(Date.now() + 10_000, () => historyFacts(client, encryption.codec, LEVELS.length, ref.workflowId, ref.runId));
      if (history.outcomes.length >= paged || Date.now() > readBy) break;
      await sleep(100);
    }
  } catch (error) {
    readErrors.push(`history: ${(error as Error).message}`);
    progress(`trial ${index} ${code}: could not read the incident's history (${(error as Error).message})`);
  }
  const planned = LEVELS.map((_, index) => (index === 0 ? history.startedAt : history.escalatedAt[index - 1] + LEVEL_TIMEOUT_S * 1000));
  return { index, lane: lane.id, victim, killMode, code, killOffsetMs, downMs, openedAt, killedAt, restartedAt, readyAt, pagedBeforeKill, complete, planned, history, readErrors };
}

// ---------------------------------------------------------------------------------------------
// The run.

const command = `npm run bench:crash   (BENCH_TRIALS=${TRIALS} BENCH_HOSTS=${HOSTS} BENCH_ACCEPT_KILL_SHARE=${ACCEPT_KILL_SHARE} BENCH_SEED=${SEED} BENCH_LEVEL_TIMEOUT_S=${LEVEL_TIMEOUT_S} BENCH_KILL_WINDOW_S=${KILL_WINDOW_MS / 1000} BENCH_DOWN_MAX_S=${DOWN_MAX_MS / 1000} BENCH_TRIAL_WAIT_S=${TRIAL_WAIT_MS / 1000} BENCH_LANES=${LANES} BENCH_DEADLINE_MIN=${DEADLINE_MS / 60_000})`;
const uptimeBefore = uptimeLine();
const trials: Trial[] = [];
const firstStartupMs: number[] = [];
let failed: unknown;
let graceMs = 0;
let devServer: DevServer | undefined;
/** The shared delivery log at the end: confirmed and unconfirmed intents, and how many a second attempt took over. */
let deliveryStates: Array<{ state: string; n: number; retaken: number }> = [];

progress(`seed ${SEED}; ${TRIALS} trials`);
try {
  const home = await benchHome('crash', cleanups);
  const configRaw = {
    services: {},
    defaultEscalationPolicy: 'crash',
    contacts: Object.fromEntries(LEVELS.map(({ contact, email }) => [contact, { name: contact[0].toUpperCase() + contact.slice(1), email }])),
    escalationPolicies: {
      crash: {
        levels: LEVELS.map(({ contact, level }) => ({ notify: [contact], channels: ['email'], timeout: level < LEVELS.length ? `${LEVEL_TIMEOUT_S}s` : '1h' })),
      },
    },
  };
  const config = parseConfig(configRaw, 'bench crash config');
  const configFile = join(home, 'vigil.config.mjs');
  await writeFile(configFile, `export default ${JSON.stringify(configRaw)};\n`);

  const temporal = await startBenchTemporal(cleanups, { dataConverter: encryption.dataConverter, dbFile: join(home, 'temporal', 'dev.db') });
  devServer = temporal.devServer;
  const { client } = temporal;
  const server = devServer;
  // The one PostgreSQL every worker shares (the delivery log).
  const databaseUrl = await startSharedPostgres(cleanups);
  const baseEnv = workerBaseEnv();
  const lanes: Lane[] = Array.from({ length: LANES }, (_, offset) => {
    const taskQueue = `bench-crash-${tag}-${offset + 1}`;
    return {
      id: offset + 1,
      gateway: createTemporalGateway({ client, taskQueue, plan: (alert) => planIncident(config, [], alert) }),
      // Each worker its own VIGIL_HOME, as on its own host: they share Temporal and DATABASE_URL only.
      envs: Array.from({ length: HOSTS }, (_, host) => ({
        ...baseEnv,
        TEMPORAL_ADDRESS: server.address,
        VIGIL_TASK_QUEUE: taskQueue,
        VIGIL_CONFIG: configFile,
        VIGIL_HOME: join(home, `host-${offset + 1}${String.fromCharCode(65 + host)}`),
        DATABASE_URL: databaseUrl,
        VIGIL_PAYLOAD_KEYS: PAYLOAD_KEYS,
        SMTP_URL: pages.url,
        SMTP_FROM: `vigil-${offset + 1}${String.fromCharCode(97 + host)}@bench.test`,
        LOG_LEVEL: 'warn',
      })),
      workers: [],
    };
  });

  for (const lane of lanes) {
    for (let host = 0; host < HOSTS; host++) {
      // One after another: each bundles its workflow code at start, and two at once on 2 cores crawl.
      const worker = startLaneWorker(lane, host);
      lane.workers.push(worker);
      firstStartupMs.push((await worker.waitReady()) - worker.spawnedAt);
    }
  }
  progress(`${LANES} first worker(s) running after ${firstStartupMs.map(seconds).join(', ')}`);
  await runOnLanes({
    lanes,
    count: TRIALS,
    withinDeadline,
    stop: (reason) => (stopRequested ??= reason),
    async trial(index, lane) {
      const trial = await runTrial(index, lane, client);
      trials.push(trial);
      const first = firstPageAfterRestart(trial, firstPageAt, LEVELS.length);
      progress(
        `trial ${index}/${TRIALS} (lane ${lane.id}) ${trial.code}: killed ${seconds(trial.killedAt - trial.openedAt)} after opening (${trial.pagedBeforeKill} paged), down ${seconds(trial.restartedAt - trial.killedAt)}, ready in ${seconds(trial.readyAt - trial.restartedAt)}; ` +
          (first ? `next page L${first.level}, late ${seconds(first.latenessMs)}` : 'nothing left to page after the kill') +
          (trial.complete ? '' : '; NOT every level paged in time'),
      );
    },
  });
  trials.sort((a, b) => a.index - b.index);
  // A page killed in flight after the sink had it is retried once its activity times out: give
  // such a duplicate of the last trials time to arrive.
  const lastKill = Math.max(0, ...trials.map((trial) => trial.killedAt));
  graceMs = Math.max(0, lastKill + DUPLICATE_GRACE_MS - Date.now());
  if (graceMs > 0) {
    progress(`waiting ${seconds(graceMs)} for late duplicates (${DUPLICATE_GRACE_MS / 1000} s after the last kill)`);
    await until('the duplicate grace period', () => Date.now() >= lastKill + DUPLICATE_GRACE_MS || undefined, DUPLICATE_GRACE_MS + 5_000, 250);
  }
  const log = await openSqlStore({ databaseUrl });
  try {
    deliveryStates = await log.query<{ state: string; n: number; retaken: number }>(
      'SELECT state, count(*)::int AS n, count(*) FILTER (WHERE attempts > 1)::int AS retaken FROM notification_deliveries GROUP BY state ORDER BY state',
    );
  } finally {
    await log.close();
  }
} catch (error) {
  failed = error;
} finally {
  await cleanups.cleanUp();
}

const report = crashReport(
  { command, started, uptimeBefore, trials, firstStartupMs, deliveryStates, pages },
  { TRIALS, LANES, HOSTS, SEED, LEVELS, LEVEL_TIMEOUT_S, KILL_WINDOW_MS, DOWN_MAX_MS, TRIAL_WAIT_MS, ACCEPT_KILL_SHARE, DUPLICATE_GRACE_MS, STICKY_TIMEOUT_MS, LATENESS_BOUND_MS },
);
report.push('');
if (load.sampled) report.push(`1-min load during the run: ${load.range()}`);
report.push(`uptime after:  ${uptimeLine()}`);
if (!failed) writeBenchResult(crashResult({ trials, pages }, { TRIALS, LANES, HOSTS, SEED, LEVELS, LATENESS_BOUND_MS }));
finishBench({
  name: 'bench:crash',
  report,
  cleanups,
  failed,
  describeFailure: (error) => ` after ${trials.length} trials: ${error instanceof DeadlineError ? error.message : ((error as Error).stack ?? String(error))}`,
  otherChildren: devServer ? [devServer.process] : [],
});
