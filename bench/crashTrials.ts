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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { planIncident } from '../domain/incidentPlan';
import { createTemporalGateway } from '../api/temporalGateway';
import type { Alert } from '../domain/alert';
import { parseConfig } from '../domain/config';
import { decodeIncidentId, incidentCode } from '../domain/incidentId';
import { openSqlStore } from '../platform/sqlStore';
import { startDevServer, type DevServer } from '../scripts/devServer';
import { makeAlert } from '../devkit/alerts';
import { freePort } from '../devkit/freePort';
import { startSmtpSink } from '../devkit/smtpSink';
import { benchCleanups, envNumber, uptimeLine } from './benchProcess';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { percentile } from './stats';
import { seededRandom } from '../devkit/seededRandom';

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
const SEED = process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) >>> 0 : randomInt(0, 2 ** 32 - 1);
if (process.env.BENCH_SEED && !/^\d+$/.test(process.env.BENCH_SEED)) throw new Error(`BENCH_SEED must be a non-negative integer, not "${process.env.BENCH_SEED}"`);

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

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const started = Date.now();
const tag = randomUUID().slice(0, 8);

class DeadlineError extends Error {}
/** Set when a lane fails or the bench is interrupted: the other lanes stop at their next check. */
let stopRequested: string | undefined;
function withinDeadline(what: string): void {
  if (cleanups.interrupted) throw new Error(`interrupted by ${cleanups.interrupted}`);
  if (stopRequested) throw new Error(`stopped: ${stopRequested}`);
  if (Date.now() - started > DEADLINE_MS) throw new DeadlineError(`bench:crash passed its ${DEADLINE_MS / 60_000} min bound (BENCH_DEADLINE_MIN) during ${what}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const progress = (text: string) => process.stderr.write(`[bench:crash ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${text}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Polls `check` until it returns a value; bounded by `timeoutMs` and the bench's deadline. */
async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    withinDeadline(what);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const random = seededRandom(SEED);

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started is stopped on the way out, whatever the way out is.

const cleanups = benchCleanups('bench:crash', (signal) => {
  stopRequested ??= `interrupted by ${signal}`;
});

// ---------------------------------------------------------------------------------------------
// Load: the machine is shared, so the load average goes beside the figures.

const loadSamples: number[] = [];
const loadTimer = setInterval(() => loadSamples.push(loadavg()[0]), 5_000);
loadTimer.unref();

// ---------------------------------------------------------------------------------------------
// The SMTP sink: every page lands here, stamped on receipt.

/** Armed by a trial that kills right after the provider accepted: which page, and whom to kill. */
const acceptKills = new Map<string, { email: string; kill: (from: string) => void }>();
const sink = await startSmtpSink({
  onMessage(mail) {
    const code = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED/.exec(mail.subject)?.[1];
    const armed = code ? acceptKills.get(code) : undefined;
    if (!code || !armed || !mail.to.includes(armed.email)) return;
    acceptKills.delete(code);
    armed.kill(mail.from);
  },
});
cleanups.push({ what: 'the SMTP sink', run: () => sink.close() });
interface Page {
  to: string;
  at: number;
  messageId: string;
}
/** Incident code → its pages (ACTION NEEDED), in the order received. */
const pagesByCode = new Map<string, Page[]>();
let scanned = 0;
function pagesOf(code: string): Page[] {
  for (; scanned < sink.received.length; scanned++) {
    const mail = sink.received[scanned];
    const match = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED/.exec(mail.subject);
    if (!match) continue;
    const list = pagesByCode.get(match[1]) ?? [];
    for (const to of mail.to) list.push({ to, at: mail.receivedAtMs, messageId: mail.messageId });
    pagesByCode.set(match[1], list);
  }
  return pagesByCode.get(code) ?? [];
}
/** When level `index` (0-based) of the incident was first paged, if it was. */
function firstPageAt(code: string, index: number): number | undefined {
  return pagesOf(code).find((page) => page.to === LEVELS[index].email)?.at;
}

// ---------------------------------------------------------------------------------------------
// Worker child processes.

interface WorkerChild {
  pid: number | undefined;
  spawnedAt: number;
  /** When the SDK's "Worker state changed … RUNNING" line reached us. */
  readyAt?: number;
  /** Throws if the worker died by itself (not by our kill). */
  alive(): void;
  waitReady(): Promise<number>;
  /** SIGKILL; resolves, once it has exited, with the moment the signal was sent. */
  kill(): Promise<number>;
  /** SIGKILL sent at once (from inside the SMTP sink's reply); `kill()` then waits for the exit. */
  signalKill(): number;
  /** Its envelope sender (SMTP_FROM), which tells the sink who sent a page. */
  from: string;
}

const children = new Set<ChildProcess>();
let workersStarted = 0;

function startWorker(lane: { id: number | string; env: NodeJS.ProcessEnv }): WorkerChild {
  const label = `worker #${++workersStarted} (lane ${lane.id})`;
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: ROOT, env: lane.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tail: string[] = [];
  let killing = false;
  let signalledAt: number | undefined;
  let died: Error | undefined;
  const worker: WorkerChild = {
    pid: child.pid,
    spawnedAt,
    from: lane.env.SMTP_FROM ?? '',
    signalKill() {
      killing = true;
      signalledAt ??= Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return signalledAt;
    },
    alive() {
      if (died) throw died;
    },
    async waitReady() {
      try {
        return await until(`${label} (pid ${child.pid}) to log that it is running`, () => (worker.alive(), worker.readyAt), WORKER_START_MS, 5);
      } catch (error) {
        if (died || error instanceof DeadlineError) throw error;
        throw new Error(`${(error as Error).message}; its last lines:\n  ${tail.join('\n  ') || '(none)'}`);
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) {
        children.delete(child);
        return signalledAt ?? Date.now();
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const at = worker.signalKill();
      await exited;
      children.delete(child);
      return at;
    },
  };
  // The SDK's default logger writes `<ISO time> [INFO] Worker state changed { …, state: 'RUNNING' }`
  // to stderr, its metadata on one line or, when long, on the lines that follow.
  const reader = () => {
    let partial = '';
    let inStateChange = false;
    return (chunk: Buffer) => {
      const now = Date.now();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (/^\S+ \[[A-Z]+\] /.test(line)) inStateChange = line.includes('Worker state changed');
        if (worker.readyAt === undefined && inStateChange && /state: '?RUNNING/.test(line)) worker.readyAt = now;
      }
    };
  };
  child.stdout?.on('data', reader());
  child.stderr?.on('data', reader());
  child.once('exit', (code, signal) => {
    if (!killing) died = new Error(`${label} (pid ${child.pid}) exited by itself (code ${code}, signal ${signal}):\n  ${tail.join('\n  ')}`);
  });
  child.on('error', (error) => {
    died ??= new Error(`${label} failed to start: ${error.message}`);
  });
  cleanups.push({ what: `${label} (pid ${child.pid})`, run: () => worker.kill() });
  return worker;
}

// ---------------------------------------------------------------------------------------------
// History: what a late page waited for.

type Long = { toNumber(): number };
type Timestamp = { seconds?: number | Long | null; nanos?: number | null } | null | undefined;
function msOf(ts: Timestamp): number {
  if (!ts) return Number.NaN;
  const secondsPart = ts.seconds;
  const whole = typeof secondsPart === 'object' && secondsPart !== null ? secondsPart.toNumber() : Number(secondsPart ?? 0);
  return whole * 1000 + (ts.nanos ?? 0) / 1e6;
}

interface HistoryFacts {
  startedAt: number;
  /**
   * Per level (index 0 = level 1): the workflow time at which its page was scheduled, i.e. when the
   * level escalated (the start of the workflow task that scheduled the page; the workflow's clock).
   */
  escalatedAt: number[];
  /** Page outcomes the activities returned ("L2 bob: sent via smtp", "… already sent", "… failed"). */
  outcomes: string[];
  /** Workflow tasks whose sticky worker never took them (SCHEDULE_TO_START). */
  stickyTimeouts: number;
  /** Workflow tasks started by a worker that died before completing them (START_TO_CLOSE). */
  taskTimeouts: number;
  /** Activities that ran more than once: "deliverNotification page L2 bob (attempt 2)". */
  retriedActivities: string[];
}

function noFacts(): HistoryFacts {
  return { startedAt: Number.NaN, escalatedAt: LEVELS.map(() => Number.NaN), outcomes: [], stickyTimeouts: 0, taskTimeouts: 0, retriedActivities: [] };
}

/** A JSON payload of the history, decrypted first. */
async function decodePayload<T>(payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null } | null | undefined): Promise<T | undefined> {
  try {
    const [opened] = payload ? await encryption.codec.decode([payload]) : [];
    return opened?.data ? (JSON.parse(Buffer.from(opened.data).toString('utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the incident's history says: when it started, when each level escalated, what each page
 * activity returned, and what timed out or was retried. Read from the server, so it needs no worker.
 */
async function historyFacts(client: Client, workflowId: string, runId: string): Promise<HistoryFacts> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const facts = noFacts();
  const taskStartedAt = new Map<string, number>();
  const taskStartedBy = new Map<string, string>();
  const scheduled = new Map<string, { what: string; label?: string }>();
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const time = msOf(event.eventTime as Timestamp);
    if (event.workflowExecutionStartedEventAttributes) facts.startedAt = time;
    if (event.workflowTaskStartedEventAttributes) taskStartedAt.set(id, time);
    const completedTask = event.workflowTaskCompletedEventAttributes;
    if (completedTask) taskStartedBy.set(id, String(completedTask.startedEventId));
    const timedOut = event.workflowTaskTimedOutEventAttributes;
    if (timedOut) {
      if (Number(timedOut.timeoutType) === 2) facts.stickyTimeouts += 1;
      else facts.taskTimeouts += 1;
    }
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity) {
      let what = activity.activityType?.name ?? 'activity';
      let label: string | undefined;
      const request = await decodePayload<{ kind?: string; responder?: { id?: string }; incident?: { level?: number } }>(activity.input?.payloads?.[0]);
      if (request?.kind) {
        what += ` ${request.kind} L${request.incident?.level} ${request.responder?.id}`;
        const level = request.incident?.level ?? 0;
        if (request.kind === 'page' && level >= 1 && level <= LEVELS.length) {
          label = `L${level} ${request.responder?.id}`;
          const taskStarted = taskStartedBy.get(String(activity.workflowTaskCompletedEventId));
          const at = taskStarted ? taskStartedAt.get(taskStarted) : undefined;
          if (at !== undefined && Number.isNaN(facts.escalatedAt[level - 1])) facts.escalatedAt[level - 1] = at;
        }
      }
      scheduled.set(id, { what, label });
    }
    const startedActivity = event.activityTaskStartedEventAttributes;
    if (startedActivity && (startedActivity.attempt ?? 1) > 1) {
      facts.retriedActivities.push(`${scheduled.get(String(startedActivity.scheduledEventId))?.what ?? 'activity'} (attempt ${startedActivity.attempt})`);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const label = (scheduledId: unknown) => scheduled.get(String(scheduledId))?.label;
    if (completed && label(completed.scheduledEventId)) facts.outcomes.push(`${label(completed.scheduledEventId)}: ${(await decodePayload<string>(completed.result?.payloads?.[0])) ?? '?'}`);
    const failedActivity = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (failedActivity && label(failedActivity.scheduledEventId)) facts.outcomes.push(`${label(failedActivity.scheduledEventId)}: failed: ${failedActivity.failure?.message ?? '?'}`);
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// One trial.

interface Trial {
  index: number;
  lane: number;
  /** Which of the lane's workers was killed, and whether right after the SMTP server accepted a page. */
  victim: number;
  killMode: 'timed' | 'after-accept';
  code: string;
  killOffsetMs: number;
  downMs: number;
  openedAt: number;
  killedAt: number;
  restartedAt: number;
  readyAt: number;
  /** Levels paged before the kill. */
  pagedBeforeKill: number;
  /** All three levels paged within BENCH_TRIAL_WAIT_S of the new worker being ready. */
  complete: boolean;
  /** Planned time of each level (NaN when unknown). */
  planned: number[];
  history: HistoryFacts;
  /** Why the incident's history could not be read (its planned times are then unknown). */
  readErrors: string[];
}

/** One worker process and its task queue; trials run one after another on a lane, lanes side by side. */
interface Lane {
  id: number;
  /** One environment per worker (its own VIGIL_HOME and SMTP_FROM), as on that many hosts. */
  envs: NodeJS.ProcessEnv[];
  gateway: ReturnType<typeof createTemporalGateway>;
  workers: WorkerChild[];
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
  const alert: Alert = makeAlert({ service: 'crash', dedupKey: `crash-${tag}-${index}`, summary: `crash trial ${index}` });
  let incidentId: string | undefined;
  for (let attempt = 1; !incidentId; attempt++) {
    try {
      incidentId = (await lane.gateway.submitAlert(alert)).incidentId;
    } catch (error) {
      if (attempt >= 4) throw error;
      await sleep(200 * attempt); // same alert id: counted once if the first call did get through
    }
  }
  const ref = decodeIncidentId(incidentId);
  if (!ref) throw new Error(`undecodable incident id ${incidentId}`);
  const code = incidentCode(ref);

  let killMode: Trial['killMode'] = 'timed';
  let killedAt: number | undefined;
  if (afterAccept) {
    // Armed as soon as the code is known; a page that came earlier is missed and the kill is timed.
    const accepted = new Promise<number>((resolve) =>
      acceptKills.set(code, {
        email: LEVELS[acceptLevel].email,
        kill: (from) => {
          const host = lane.workers.findIndex((worker) => worker.from === from);
          if (host < 0) return;
          lane.workers[host].signalKill();
          resolve(host);
        },
      }),
    );
    const host = await Promise.race([accepted, sleep(KILL_WINDOW_MS + 15_000).then(() => undefined)]);
    acceptKills.delete(code);
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
  let history = noFacts();
  const readErrors: string[] = [];
  try {
    // A page reaches the sink before its activity completes (and only then are its started and
    // completed events written), so read until every page paged has its outcome, a few seconds at most.
    const paged = LEVELS.filter((_, level) => firstPageAt(code, level) !== undefined).length;
    const readBy = Date.now() + 5_000;
    for (;;) {
      history = await client.connection.withDeadline(Date.now() + 10_000, () => historyFacts(client, ref.workflowId, ref.runId));
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
  const home = await mkdtemp(join(tmpdir(), 'vigil-bench-crash-'));
  cleanups.push({ what: `the temporary directory ${home}`, run: () => rm(home, { recursive: true, force: true }) });
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

  devServer = await startDevServer({ port: await freePort(), dbFile: join(home, 'temporal', 'dev.db') });
  const server = devServer;
  cleanups.push({ what: 'the Temporal dev server', run: () => server.stop() });
  const connection = await Connection.connect({ address: server.address });
  cleanups.push({ what: 'the client connection', run: () => connection.close() });
  const client = new Client({ connection, dataConverter: encryption.dataConverter });
  // The one PostgreSQL every worker shares (the delivery log): PGlite over the wire protocol.
  const sharedDb = await PGlite.create();
  const pgPort = await freePort();
  const pgServer = new PGLiteSocketServer({ db: sharedDb, port: pgPort, host: '127.0.0.1', maxConnections: 100 });
  await pgServer.start();
  cleanups.push({ what: 'the shared PostgreSQL (PGlite socket server)', run: async () => (await pgServer.stop(), await sharedDb.close()) });
  const databaseUrl = `postgresql://postgres@127.0.0.1:${pgPort}/postgres`;
  // Migrated once here, so workers starting side by side find the schema in place.
  await (await openSqlStore({ databaseUrl })).close();
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|TWILIO_|SMTP_|VIGIL_|BENCH_|DATABASE_URL)/.test(name)));
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
        SMTP_URL: sink.url,
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
  let nextIndex = 1;
  const outcomes = await Promise.allSettled(
    lanes.map(async (lane) => {
      try {
        while (nextIndex <= TRIALS) {
          const index = nextIndex++;
          withinDeadline(`trial ${index}`);
          const trial = await runTrial(index, lane, client);
          trials.push(trial);
          const first = firstPageAfterRestart(trial);
          progress(
            `trial ${index}/${TRIALS} (lane ${lane.id}) ${trial.code}: killed ${seconds(trial.killedAt - trial.openedAt)} after opening (${trial.pagedBeforeKill} paged), down ${seconds(trial.restartedAt - trial.killedAt)}, ready in ${seconds(trial.readyAt - trial.restartedAt)}; ` +
              (first ? `next page L${first.level}, late ${seconds(first.latenessMs)}` : 'nothing left to page after the kill') +
              (trial.complete ? '' : '; NOT every level paged in time'),
          );
        }
      } catch (error) {
        stopRequested ??= `lane ${lane.id} failed: ${(error as Error).message}`;
        throw error;
      }
    }),
  );
  const rejected = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  // The lane that failed first tells why; the others only stopped because of it.
  if (rejected) throw outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined)).find((reason) => !String((reason as Error)?.message).startsWith('stopped: ')) ?? rejected.reason;
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

// ---------------------------------------------------------------------------------------------
// The report.

interface RestartPage {
  level: number;
  planned: number;
  receivedAt: number;
  /** Receipt − max(planned, worker ready). */
  latenessMs: number;
}

/**
 * The pages the restarted worker sent: every level first received after it was ready (a page
 * received between the kill and then can only have left the killed worker), in the order received.
 */
function pagesAfterRestart(trial: Trial): RestartPage[] {
  const pages: RestartPage[] = [];
  for (let index = 0; index < LEVELS.length; index++) {
    const receivedAt = firstPageAt(trial.code, index);
    if (receivedAt === undefined || receivedAt <= trial.readyAt) continue;
    const planned = trial.planned[index];
    // Planned time unknown (incident unreadable, reported): measured from the worker being ready, an upper bound.
    pages.push({ level: index + 1, planned, receivedAt, latenessMs: receivedAt - Math.max(Number.isFinite(planned) ? planned : -Infinity, trial.readyAt) });
  }
  return pages.sort((a, b) => a.receivedAt - b.receivedAt);
}

/** The next page after the restart: the first one the restarted worker sent. */
function firstPageAfterRestart(trial: Trial): RestartPage | undefined {
  return pagesAfterRestart(trial)[0];
}

const stat = (values: number[]) =>
  values.length ? `p50 ${seconds(percentile(values, 50)).padStart(8)}   p99 ${seconds(percentile(values, 99)).padStart(8)}   max ${seconds(Math.max(...values)).padStart(8)}   (n=${values.length})` : '(n=0)';
const trialList = (items: string[]) => (items.length ? items.join(', ') : 'none');

const report: string[] = [];
report.push(`$ ${command}`);
report.push(
  `bench:crash on the Temporal dev server (loopback, SQLite file), worker/main.ts in child processes (${HOSTS} per lane, each its own VIGIL_HOME, one shared DATABASE_URL: PGlite over pglite-socket), real SMTP sink; ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
report.push(`uptime before: ${uptimeBefore}`);
report.push(
  `policy: alice → ${LEVEL_TIMEOUT_S} s → bob → ${LEVEL_TIMEOUT_S} s → carol (then 1 h), email only; kill -9 uniformly 0–${KILL_WINDOW_MS / 1000} s after opening, down 0–${DOWN_MAX_MS / 1000} s, then a new worker; seed ${SEED}`,
);
trials.sort((a, b) => a.index - b.index);
report.push(
  `trials run: ${trials.length} of ${TRIALS}, on ${LANES} lane(s) side by side (each lane its own task queue and worker process, trials one after another; a kill hits only its lane's worker)${firstStartupMs.length ? `; first worker(s) started in ${firstStartupMs.map(seconds).join(', ')}` : ''}`,
);

if (trials.length > 0) {
  const landed = [0, 1, 2, 3].map((count) => trials.filter((trial) => trial.pagedBeforeKill === count).length);
  const acceptKillCount = trials.filter((trial) => trial.killMode === 'after-accept').length;
  report.push(
    `kills: ${acceptKillCount} right after the SMTP server accepted a page (before the sender could confirm it), ${trials.length - acceptKillCount} at a random time (drawn share ${ACCEPT_KILL_SHARE}; an armed kill whose page came first falls back to a timed one)`,
  );
  report.push(`  victims by host: ${Array.from({ length: HOSTS }, (_, host) => `${String.fromCharCode(65 + host)} ${trials.filter((trial) => trial.victim === host).length}`).join(', ')}`);
  report.push(`kills landed: before the level-1 page ${landed[0]}, after level 1 ${landed[1]}, after level 2 ${landed[2]}, after level 3 (nothing left to page) ${landed[3]}`);

  const duplicates: string[] = [];
  const missed: string[] = [];
  const strays: string[] = [];
  let duplicateCount = 0;
  let duplicateMessages = 0;
  let missedCount = 0;
  for (const trial of trials) {
    const pages = pagesOf(trial.code);
    for (const [index, { email }] of LEVELS.entries()) {
      const count = pages.filter((page) => page.to === email).length;
      const distinct = new Set(pages.filter((page) => page.to === email).map((page) => page.messageId)).size;
      if (count > 1) {
        duplicateCount += count - 1;
        duplicateMessages += Math.max(0, distinct - 1);
        duplicates.push(`#${trial.index} ${trial.code} L${index + 1} ×${count} (${distinct} Message-ID${distinct === 1 ? '' : 's'}, ${trial.killMode})`);
      }
      if (count === 0) {
        missedCount += 1;
        missed.push(`#${trial.index} ${trial.code} L${index + 1}`);
      }
    }
    const others = pages.filter((page) => !LEVELS.some((level) => level.email === page.to));
    if (others.length) strays.push(`#${trial.index} ${trial.code}: ${others.map((page) => page.to).join(', ')}`);
  }
  report.push(`duplicate pages: ${duplicateCount} deliveries at the SMTP server beyond one per level (goal 0), ${duplicateMessages} of them with a Message-ID not seen before (goal 0; a re-send with the same Message-ID is the rest); trials: ${trialList(duplicates)}   [counted ${DUPLICATE_GRACE_MS / 1000} s or more after each kill]`);
  report.push(`delivery log at the end: ${deliveryStates.map((row) => `${row.state} ${row.n} (taken over by a later attempt: ${row.retaken})`).join(', ') || 'empty'}`);
  report.push(`missed steps: ${missedCount} (goal 0); trials: ${trialList(missed)}`);
  if (strays.length) report.push(`pages to someone outside the policy: ${strays.join('; ')}`);
  const unreadable = trials.filter((trial) => trial.readErrors.length > 0);
  if (unreadable.length) report.push(`incidents that could not be read (planned times unknown): ${unreadable.map((trial) => `#${trial.index} (${trial.readErrors.join('; ')})`).join(', ')}`);
  const incomplete = trials.filter((trial) => !trial.complete).map((trial) => `#${trial.index}`);
  if (incomplete.length) report.push(`trials where not every level had paged ${TRIAL_WAIT_MS / 1000} s after the restart: ${incomplete.join(', ')}`);

  const firsts = trials.map((trial) => ({ trial, first: firstPageAfterRestart(trial) })).filter((item): item is { trial: Trial; first: RestartPage } => item.first !== undefined);
  const lateness = firsts.map((item) => item.first.latenessMs);
  report.push('');
  report.push(`lateness of the next page after each restart (the first page the new worker sent) = sink receipt − max(planned, worker ready);`);
  report.push(`  "worker ready" = when the new worker's SDK log line "Worker state changed … RUNNING" reached the bench (measured, not estimated);`);
  report.push(`  planned = the workflow's start (L1), or when the previous level escalated (workflow clock: start of the task that scheduled its page) + ${LEVEL_TIMEOUT_S} s`);
  report.push(`  ${stat(lateness)}`);
  const byLevel = [1, 2, 3].map((level) => firsts.filter((item) => item.first.level === level).map((item) => item.first.latenessMs));
  for (const [index, values] of byLevel.entries()) if (values.length) report.push(`    next page at level ${index + 1}: ${stat(values)}`);
  const over = firsts.filter((item) => item.first.latenessMs > LATENESS_BOUND_MS);
  report.push(
    `  goal ≤ sticky / workflow task timeout ${STICKY_TIMEOUT_MS / 1000} s + 2 s = ${LATENESS_BOUND_MS / 1000} s: ${over.length === 0 ? 'met' : `NOT met in ${over.length} of ${firsts.length} trials (${over.map((item) => `#${item.trial.index}`).join(', ')})`}`,
  );
  report.push(`  (${trials.length - firsts.length} trials had no page left to send after the restart)`);
  const every = trials.flatMap((trial) => pagesAfterRestart(trial).map((page) => ({ trial, page })));
  const everyOver = every.filter((item) => item.page.latenessMs > LATENESS_BOUND_MS);
  report.push(`every page the restarted workers sent, same measure: ${stat(every.map((item) => item.page.latenessMs))}`);
  report.push(`  over ${LATENESS_BOUND_MS / 1000} s: ${everyOver.length}${everyOver.length ? ` (${everyOver.map((item) => `#${item.trial.index} L${item.page.level}`).join(', ')})` : ''}`);
  const outOfOrder = trials.filter((trial) => {
    const times = LEVELS.map((_, index) => firstPageAt(trial.code, index) ?? Infinity);
    return times.some((time, index) => index > 0 && time < times[index - 1]);
  });
  report.push(`  trials whose levels were paged out of order (a later level before an earlier one): ${outOfOrder.length}${outOfOrder.length ? ` (${outOfOrder.map((trial) => `#${trial.index}`).join(', ')})` : ''}`);

  const startups = trials.map((trial) => trial.readyAt - trial.restartedAt);
  const outages = trials.map((trial) => trial.readyAt - trial.killedAt);
  report.push('');
  report.push(`worker restart time (spawn → RUNNING):    ${stat(startups)}`);
  report.push(`worker outage (kill → new worker RUNNING): ${stat(outages)}`);

  const sticky = trials.filter((trial) => trial.history.stickyTimeouts > 0);
  const taskTimeouts = trials.filter((trial) => trial.history.taskTimeouts > 0);
  const retried = trials.filter((trial) => trial.history.retriedActivities.length > 0);
  const alreadySent = trials.filter((trial) => trial.history.outcomes.some((outcome) => outcome.endsWith('already sent')));
  const failedPages = trials.filter((trial) => trial.history.outcomes.some((outcome) => !outcome.includes(': sent') && !outcome.endsWith('already sent')));
  report.push('');
  report.push(`history: sticky workflow tasks timed out (schedule-to-start) in ${sticky.length} trials; workflow tasks timed out (start-to-close, killed mid-task) in ${taskTimeouts.length} trials`);
  report.push(`  activities retried (killed in flight): ${retried.length} trials${retried.length ? `: ${retried.map((trial) => `#${trial.index} ${trial.history.retriedActivities.join(' + ')}`).join('; ')}` : ''}`);
  report.push(`  pages the delivery log recognised as already sent: ${alreadySent.length} trials${alreadySent.length ? ` (${alreadySent.map((trial) => `#${trial.index}`).join(', ')})` : ''}`);
  if (failedPages.length) report.push(`  pages recorded as not sent: ${failedPages.map((trial) => `#${trial.index}: ${trial.history.outcomes.join('; ')}`).join(' | ')}`);

  const lateTrials = [...new Set(everyOver.map((item) => item.trial))];
  if (lateTrials.length) {
    report.push('');
    report.push(`trials with a page over ${LATENESS_BOUND_MS / 1000} s (times from the incident's opening; "next" marks the next page after the restart):`);
    for (const trial of lateTrials) {
      const at = (time: number) => seconds(time - trial.openedAt);
      const why = [
        trial.history.stickyTimeouts ? `${trial.history.stickyTimeouts} sticky task timeout(s)` : '',
        trial.history.taskTimeouts ? `${trial.history.taskTimeouts} workflow task start-to-close timeout(s)` : '',
        ...trial.history.retriedActivities,
      ].filter(Boolean);
      const pages = pagesAfterRestart(trial)
        .map((page, order) => `L${page.level}${order === 0 ? ' (next)' : ''} planned ${at(page.planned)}, received ${at(page.receivedAt)}, late ${seconds(page.latenessMs)}`)
        .join('; ');
      report.push(
        `  #${trial.index} ${trial.code} (lane ${trial.lane}): killed at ${at(trial.killedAt)} (${trial.pagedBeforeKill} paged), restarted at ${at(trial.restartedAt)}, ready at ${at(trial.readyAt)}; ${pages}`,
      );
      report.push(`      history: ${why.join('; ') || 'nothing unusual'}`);
    }
  }
}
report.push('');
if (loadSamples.length) report.push(`1-min load during the run: ${Math.min(...loadSamples).toFixed(2)}–${Math.max(...loadSamples).toFixed(2)}`);
report.push(`uptime after:  ${uptimeLine()}`);
console.log(report.join('\n'));

if (cleanups.interrupted) {
  console.error(`\nbench:crash interrupted by ${cleanups.interrupted}`);
  process.exitCode = 1;
} else if (failed) {
  console.error(`\nbench:crash FAILED after ${trials.length} trials: ${failed instanceof DeadlineError ? failed.message : ((failed as Error).stack ?? String(failed))}`);
  process.exitCode = 1;
}
const leftovers = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
if (devServer && devServer.process.exitCode === null && devServer.process.signalCode === null) leftovers.push(devServer.process);
if (leftovers.length > 0) console.error(`bench:crash: ${leftovers.length} child processes still running (pids ${leftovers.map((child) => child.pid).join(', ')})`);
// Everything is stopped; do not let a stray native handle keep the process alive.
process.exit();
