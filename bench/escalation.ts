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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { planIncident } from '../domain/incidentPlan';
import { createSmtpEmailTransport } from '../activities/transports/smtpEmail';
import { createTemporalGateway } from '../api/temporalGateway';
import type { Alert } from '../domain/alert';
import { parseConfig } from '../domain/config';
import type { EmailTransport } from '../domain/transports';
import { decodeIncidentId, incidentCode } from '../domain/incidentId';
import { startDevServer, type DevServer } from '../scripts/devServer';
import { makeAlert } from '../devkit/alerts';
import { freePort } from '../devkit/freePort';
import { startSmtpSink } from '../devkit/smtpSink';
import { startStack } from '../devkit/stack';
import { incidentQuery } from '../workflows/definitions';
import type { EscalationFloorActivities } from './escalationFloorWorkflow';
import type { EscalationWorkerStatus } from './escalationWorker';
import { benchCleanups, envNumber, uptimeLine } from './benchProcess';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { percentile, runBounded } from './stats';

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
const SETTLE_MS = 3_000;
const SETTLE_MAX_MS = 30_000;
const RSS_SAMPLES = 5;
const RSS_STABLE_MB = 2;
const HOLD = '1h';
const HOLD_MS = 3_600_000;

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FLOOR_WORKFLOWS = fileURLToPath(new URL('./escalationFloorWorkflow.ts', import.meta.url));
const started = Date.now();
const tag = randomUUID().slice(0, 8);

function withinDeadline(what: string): void {
  if (Date.now() - started > DEADLINE_MS) throw new Error(`bench:escalation passed its ${DEADLINE_MS / 60_000} min bound during ${what}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (text: string) => process.stderr.write(`[bench:escalation ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);

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

/** Runs `fn` once; later calls share the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function median(values: number[]): number {
  return percentile(values, 50);
}

// ---------------------------------------------------------------------------------------------
// Clean-up: everything started is stopped on the way out, whatever the way out is.

const cleanups = benchCleanups('bench:escalation');

// ---------------------------------------------------------------------------------------------
// Load: the machine is shared, so the 1-minute load average goes beside every figure.

const loadSamples: Array<{ at: number; load: number }> = [];
const loadTimer = setInterval(() => loadSamples.push({ at: Date.now(), load: loadavg()[0] }), 5_000);
loadTimer.unref();
function loadBetween(from: number, to: number): string {
  const values = loadSamples.filter((sample) => sample.at >= from && sample.at <= to).map((sample) => sample.load);
  values.push(loadavg()[0]);
  return `load ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
}

// ---------------------------------------------------------------------------------------------
// The SMTP sink: every page of every part lands here, stamped on receipt.

const sink = await startSmtpSink();
cleanups.push({ what: 'the SMTP sink', run: () => sink.close() });
const pagesByService = new Map<string, number>();
/** `${code}/${recipient}` → when the sink received that page (only for the lateness part). */
const pageAt = new Map<string, number>();
/** Floor workflow id → when the sink received the floor's email. */
const floorAt = new Map<string, number>();
const LATE_SERVICE = 'late';
let scanned = 0;
function scanSink(): void {
  for (; scanned < sink.received.length; scanned++) {
    const mail = sink.received[scanned];
    const floorKey = /^\[floor (\S+)\]/.exec(mail.subject)?.[1];
    if (floorKey) {
      floorAt.set(floorKey, mail.receivedAtMs);
      continue;
    }
    const match = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED: \S+ (\S+):/.exec(mail.subject);
    if (!match) continue;
    const [, code, service] = match;
    pagesByService.set(service, (pagesByService.get(service) ?? 0) + 1);
    if (service !== LATE_SERVICE) continue;
    for (const to of mail.to) if (!pageAt.has(`${code}/${to}`)) pageAt.set(`${code}/${to}`, mail.receivedAtMs);
  }
}
function pagesOf(service: string): number {
  scanSink();
  return pagesByService.get(service) ?? 0;
}

function codeOf(incidentId: string): string {
  const ref = decodeIncidentId(incidentId);
  if (!ref) throw new Error(`undecodable incident id ${incidentId}`);
  return incidentCode(ref);
}

/** Opens an incident as the API does; a call the loaded server answers late is retried (same alert id, counted once). */
async function submit(gateway: ReturnType<typeof createTemporalGateway>, alert: Alert, retries: { count: number }): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await gateway.submitAlert(alert)).incidentId;
    } catch (error) {
      if (attempt >= 4) throw error;
      retries.count += 1;
      await sleep(200 * attempt);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Worker child processes.

interface WorkerChild {
  label: string;
  process: ChildProcess;
  maxCachedWorkflows: number;
  /** With `gc`, after a full collection of the worker's main-thread heap. */
  status(gc?: boolean): Promise<EscalationWorkerStatus>;
  rssMb(): number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

async function startWorkerChild(label: string, env: NodeJS.ProcessEnv): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--expose-gc', ...WORKER_NODE_ARGS, '--import', 'tsx', 'bench/escalationWorker.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.add(child);
  const stop = async () => {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  cleanups.push({ what: `the ${label} worker (pid ${child.pid})`, run: stop });

  // Keep the last lines of its output for the error message should it die.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitedEarly: Error | undefined;
  child.once('exit', (code, signal) => {
    if (children.has(child)) exitedEarly = new Error(`the ${label} worker exited (code ${code}, signal ${signal}):\n  ${tail.join('\n  ')}`);
  });
  child.on('error', (error) => {
    if (children.has(child)) exitedEarly ??= new Error(`the ${label} worker failed: ${error.message}`);
  });

  const replies = new Map<number, (status: EscalationWorkerStatus) => void>();
  let ready: number | undefined;
  child.on('message', (message: { type: string; id?: number; maxCachedWorkflows?: number }) => {
    if (message.type === 'ready') ready = message.maxCachedWorkflows;
    if (message.type === 'status') replies.get(message.id ?? 0)?.(message as EscalationWorkerStatus);
  });
  let nextId = 1;

  const alive = () => {
    if (exitedEarly) throw exitedEarly;
  };
  const maxCachedWorkflows = await until(`the ${label} worker to start`, () => (alive(), ready), 180_000, 50);
  return {
    label,
    process: child,
    maxCachedWorkflows,
    async status(gc = false) {
      alive();
      const id = nextId++;
      const reply = new Promise<EscalationWorkerStatus>((resolve, reject) => {
        const timer = setTimeout(() => (replies.delete(id), reject(new Error(`the ${label} worker did not answer a status request in 10 s`))), 10_000);
        replies.set(id, (status) => (clearTimeout(timer), replies.delete(id), resolve(status)));
      });
      child.send({ type: 'status', id, gc });
      return reply;
    },
    rssMb() {
      alive();
      const file = `/proc/${child.pid}/status`;
      if (existsSync(file)) {
        const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(file, 'utf8'))?.[1];
        if (kb) return Number(kb) / 1024;
      }
      return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' }).trim()) / 1024;
    },
    stop,
  };
}

interface MemoryPoint {
  open: number;
  /** As found: the median of RSS_SAMPLES readings a second apart. */
  rssMb: number;
  /** Max − min of the readings the median came from. */
  spreadMb: number;
  /** Right after a full GC of the worker's main thread (diagnostic: what is garbage, what is kept). */
  rssAfterGcMb: number;
  cached: number;
  load: number;
}

/**
 * After everything opened has paged: let the worker settle, then read its RSS once a second until
 * the last RSS_SAMPLES readings agree within RSS_STABLE_MB (or SETTLE_MAX_MS has passed).
 */
async function readMemory(child: WorkerChild, open: number): Promise<MemoryPoint> {
  await sleep(SETTLE_MS);
  const giveUpAt = Date.now() + SETTLE_MAX_MS;
  let readings: number[] = [];
  for (;;) {
    withinDeadline(`reading the ${child.label} worker's memory`);
    readings.push(child.rssMb());
    readings = readings.slice(-RSS_SAMPLES);
    if (readings.length === RSS_SAMPLES && (Math.max(...readings) - Math.min(...readings) <= RSS_STABLE_MB || Date.now() > giveUpAt)) break;
    await sleep(1_000);
  }
  const status = await child.status(true);
  await sleep(500);
  const afterGc: number[] = [];
  for (let index = 0; index < 3; index++) {
    afterGc.push(child.rssMb());
    await sleep(300);
  }
  const point: MemoryPoint = {
    open,
    rssMb: median(readings),
    spreadMb: Math.max(...readings) - Math.min(...readings),
    rssAfterGcMb: median(afterGc),
    cached: status.cachedWorkflows,
    load: loadavg()[0],
  };
  progress(`${child.label}: ${open} open, RSS ${point.rssMb.toFixed(1)} MB (spread ${point.spreadMb.toFixed(1)}), after GC ${point.rssAfterGcMb.toFixed(1)} MB, ${point.cached} cached`);
  return point;
}

/**
 * Opens workflows [from, to) with CONCURRENCY in flight and at most BACKLOG opened but not yet
 * done (paged or announced), then waits until all of them are done.
 */
async function openMany(label: string, from: number, to: number, open: (index: number) => Promise<void>, done: () => number | Promise<number>): Promise<void> {
  let doneCount = await done();
  let polling = true;
  let lastReport = Date.now();
  const poller = (async () => {
    while (polling) {
      doneCount = await done();
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        progress(`${label}: ${doneCount} of ${to} done`);
      }
      await sleep(200);
    }
  })();
  try {
    await runBounded(to - from, CONCURRENCY, async (offset) => {
      const index = from + offset;
      while (index - doneCount >= BACKLOG) {
        withinDeadline(label);
        await sleep(20);
      }
      if (offset % 200 === 0) withinDeadline(label);
      await open(index);
    });
    // Every incident pages once; give the last of them time, bounded.
    await until(`${label}: ${to} done (${doneCount} so far)`, () => doneCount >= to, 180_000, 100);
  } finally {
    polling = false;
    await poller.catch(() => undefined);
  }
}

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

interface MemoryRun {
  label: string;
  maxCachedWorkflows: number;
  points: MemoryPoint[];
  openSeconds: number;
  retries: number;
  from: number;
  to: number;
}

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
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|TWILIO_|SMTP_|VIGIL_|BENCH_)/.test(name)));
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
  const child = await startWorkerChild(label, env);
  const retries = { count: 0 };
  try {
    let open: (index: number) => Promise<void>;
    let done: () => number | Promise<number>;
    if (kind === 'vigil') {
      const service = `mem-${label}`;
      const gateway = createTemporalGateway({ client, taskQueue, plan: (alert) => planIncident(memoryConfig, [], alert) });
      open = async (index) => {
        await submit(gateway, makeAlert({ service, dedupKey: `${label}-${tag}-${index}`, summary: `escalation bench ${label} ${index}` }), retries);
      };
      done = () => pagesOf(service);
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

    await openMany(`${label} warm-up`, 0, WARMUP, open, done);
    const points = [await readMemory(child, WARMUP)];
    let opened = WARMUP;
    let openMs = 0;
    for (const checkpoint of options.checkpoints) {
      const from = performance.now();
      await openMany(label, opened, checkpoint, open, done);
      openMs += performance.now() - from;
      opened = checkpoint;
      points.push(await readMemory(child, checkpoint));
    }
    return { label, maxCachedWorkflows: child.maxCachedWorkflows, points, openSeconds: openMs / 1000, retries: retries.count, from: phaseStart, to: Date.now() };
  } finally {
    await child.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: page lateness, Vigil beside the floor, in waves.

interface LatenessRun {
  /** Level-2 page received at the SMTP sink − nextLevelAt (the figure the goal is stated on). */
  vigil: number[];
  /** Level-2 page handed to the email transport by the activity − nextLevelAt. */
  vigilHanded: number[];
  /** Sink receipt − handed to the transport: the SMTP leg of each level-2 page. */
  smtpLeg: number[];
  /** Bare workflow: timer due → its one activity runs. */
  floor: number[];
  /** Bare workflow whose one activity sends one email through the same transport: timer due → sink receipt. */
  floorSmtp: number[];
  fallbacks: number;
  retries: number;
  from: number;
  to: number;
}

async function latenessRun(devServer: DevServer): Promise<LatenessRun> {
  const phaseStart = Date.now();
  const config = parseConfig(
    {
      services: {},
      defaultEscalationPolicy: 'two-levels',
      contacts: { first: { name: 'First', email: 'first@example.test' }, second: { name: 'Second', email: 'second@example.test' } },
      escalationPolicies: {
        'two-levels': {
          levels: [
            { notify: ['first'], channels: ['email'], timeout: `${LEVEL_TIMEOUT_S}s` },
            { notify: ['second'], channels: ['email'], timeout: HOLD },
          ],
        },
      },
    },
    'bench lateness config',
  );
  // Real SMTP to the sink, noting when the activity hands each page to the transport.
  const smtp = createSmtpEmailTransport({ url: sink.url, from: 'Vigil <vigil@localhost>' });
  const handedAt = new Map<string, number>();
  const email: EmailTransport = {
    name: smtp.name,
    async send(message) {
      const code = /^\[Vigil ([0-9A-Z]{6})\]/.exec(message.subject)?.[1];
      if (code && !handedAt.has(`${code}/${message.to}`)) handedAt.set(`${code}/${message.to}`, Date.now());
      await smtp.send(message);
    },
  };
  progress('lateness: starting the Vigil worker and the floor worker (in this process, as bench:core does)');
  const stack = await startStack({ config, email, sms: { name: 'bench', send: async () => ({ id: randomUUID() }) }, runbooks: [], devServer });
  const stopStack = once(() => stack.stop());
  cleanups.push({ what: 'the lateness stack', run: stopStack });
  const gateway = createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue, plan: (alert) => planIncident(config, [], alert) });

  const floorLateness = new Map<string, number>();
  const floorPlanned = new Map<string, number>();
  const floorQueue = `bench-escalation-floor-${tag}`;
  const activities: EscalationFloorActivities = {
    async fired(key, plannedAtMs) {
      if (plannedAtMs <= 0) return;
      if (!key.includes('-smtp-')) {
        floorLateness.set(key, Date.now() - plannedAtMs);
        return;
      }
      floorPlanned.set(key, plannedAtMs);
      await smtp.send({ to: 'floor@example.test', subject: `[floor ${key}] timer fired`, text: 'floor', messageId: `<${key}@bench>` });
    },
  };
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const floorWorker = await Worker.create({
    connection: stack.nativeConnection,
    taskQueue: floorQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: FLOOR_WORKFLOWS, logger: quiet }),
    activities,
  });
  const floorRunning = floorWorker.run();
  const stopFloor = once(async () => {
    if (floorWorker.getState() === 'RUNNING') floorWorker.shutdown();
    await floorRunning.catch(() => undefined);
  });
  cleanups.push({ what: 'the floor worker', run: stopFloor });

  const retries = { count: 0 };
  let fallbacks = 0;
  const timeoutMs = LEVEL_TIMEOUT_S * 1000;
  const waitMs = timeoutMs + 60_000;

  async function vigilSample(index: number): Promise<{ atSink: number; handed: number }> {
    const incidentId = await submit(gateway, makeAlert({ service: LATE_SERVICE, dedupKey: `late-${tag}-${index}`, summary: `lateness sample ${index}` }), retries);
    const code = codeOf(incidentId);
    const ref = decodeIncidentId(incidentId) as NonNullable<ReturnType<typeof decodeIncidentId>>;
    await until(`the level-1 page of ${code}`, () => (scanSink(), pageAt.get(`${code}/first@example.test`)), waitMs);
    const view = await stack.client.workflow.getHandle(ref.workflowId, ref.runId).query(incidentQuery);
    let plannedAtMs: number;
    if (view.escalation.level === 1 && view.escalation.nextLevelAt) {
      plannedAtMs = Date.parse(view.escalation.nextLevelAt);
    } else {
      // Level 2 already fired before we asked (a very slow first page): the plan is level 1's time + timeout.
      fallbacks += 1;
      const level1 = view.timeline.find((entry) => entry.kind === 'escalation' && entry.text.startsWith('escalated to level 1'));
      if (!level1) throw new Error(`incident ${code} has no level-1 escalation in its timeline`);
      plannedAtMs = Date.parse(level1.at) + timeoutMs;
    }
    const receivedAtMs = await until(`the level-2 page of ${code}`, () => (scanSink(), pageAt.get(`${code}/second@example.test`)), waitMs);
    const handed = handedAt.get(`${code}/second@example.test`) as number;
    return { atSink: receivedAtMs - plannedAtMs, handed: handed - plannedAtMs };
  }

  async function floorSample(index: number, viaSmtp: boolean): Promise<number> {
    const key = `bench-escalation-floor-${viaSmtp ? 'smtp-' : ''}${tag}-${index}`;
    await stack.client.workflow.start('escalationFloorWorkflow', { taskQueue: floorQueue, workflowId: key, args: [key, timeoutMs, false] });
    if (!viaSmtp) return until(`the floor activity of ${key}`, () => floorLateness.get(key), waitMs);
    const receivedAtMs = await until(`the floor email of ${key}`, () => (scanSink(), floorAt.get(key)), waitMs);
    return receivedAtMs - (floorPlanned.get(key) as number);
  }

  const run: LatenessRun = { vigil: [], vigilHanded: [], smtpLeg: [], floor: [], floorSmtp: [], fallbacks: 0, retries: 0, from: phaseStart, to: 0 };
  async function wave(first: number, size: number, counted: boolean): Promise<void> {
    withinDeadline('the lateness waves');
    const indexes = Array.from({ length: size }, (_, offset) => first + offset);
    const startOf = (index: number) => sleep((index - first) * STAGGER_MS);
    await Promise.all([
      ...indexes.map(async (index) => {
        await startOf(index);
        const sample = await vigilSample(index);
        if (!counted) return;
        run.vigil.push(sample.atSink);
        run.vigilHanded.push(sample.handed);
        run.smtpLeg.push(sample.atSink - sample.handed);
      }),
      ...indexes.map(async (index) => {
        await startOf(index);
        const sample = await floorSample(index, false);
        if (counted) run.floor.push(sample);
      }),
      ...indexes.map(async (index) => {
        await startOf(index);
        const sample = await floorSample(index, true);
        if (counted) run.floorSmtp.push(sample);
      }),
    ]);
  }

  try {
    await wave(-Math.min(WAVE, 10), Math.min(WAVE, 10), false); // warm-up, not counted
    for (let first = 0; first < SAMPLES; first += WAVE) {
      await wave(first, Math.min(WAVE, SAMPLES - first), true);
      progress(`lateness: ${run.vigil.length} of ${SAMPLES} samples`);
    }
    return { ...run, fallbacks, retries: retries.count, to: Date.now() };
  } finally {
    await stopFloor();
    await stopStack();
  }
}

// ---------------------------------------------------------------------------------------------
// The run.

const command = `npm run bench:escalation   (BENCH_INCIDENTS=${INCIDENTS} BENCH_PLATEAU=${PLATEAU} BENCH_CACHE=${CACHE} BENCH_SAMPLES=${SAMPLES} BENCH_WAVE=${WAVE} BENCH_STAGGER_MS=${STAGGER_MS} BENCH_LEVEL_TIMEOUT_S=${LEVEL_TIMEOUT_S} BENCH_CONCURRENCY=${CONCURRENCY} BENCH_BACKLOG=${BACKLOG}${WORKER_NODE_ARGS.length ? ` BENCH_WORKER_NODE_ARGS="${WORKER_NODE_ARGS.join(' ')}"` : ''})`;
const uptimeBefore = uptimeLine();
const report: string[] = [];
let failed: unknown;
let lateness: LatenessRun | undefined;
let perIncident: MemoryRun | undefined;
let floorMemory: MemoryRun | undefined;
let plateau: MemoryRun | undefined;

try {
  const devServer = await startDevServer({ port: await freePort() });
  cleanups.push({ what: 'the Temporal dev server', run: () => devServer.stop() });
  const connection = await Connection.connect({ address: devServer.address });
  cleanups.push({ what: 'the client connection', run: () => connection.close() });
  const client = new Client({ connection, dataConverter: payloadEncryptionWith(parsePayloadKeys(PAYLOAD_KEYS)).dataConverter });
  const home = await mkdtemp(join(tmpdir(), 'vigil-bench-escalation-'));
  cleanups.push({ what: `the temporary directory ${home}`, run: () => rm(home, { recursive: true, force: true }) });
  await writeFile(join(home, 'vigil.config.mjs'), `export default ${JSON.stringify(memoryConfigRaw)};\n`);

  // Lateness first, on a quiet server; the memory runs then fill it with waiting workflows.
  if (SAMPLES > 0) lateness = await latenessRun(devServer);
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

const mb = (value: number) => `${value.toFixed(1).padStart(7)} MB`;
report.push(`$ ${command}`);
report.push(`bench:escalation on the Temporal dev server (loopback), ${((Date.now() - started) / 1000).toFixed(0)} s`);
report.push(`uptime before: ${uptimeBefore}`);

/**
 * Growth is judged on the larger of the as-found and after-GC figures: a worker fresh from
 * bundling its workflows carries tens of MB of garbage at the "before" reading that is collected
 * later, which makes the as-found growth look smaller than what is kept.
 */
function growthLines(run: MemoryRun, what: string, cacheOrigin: string): { perIncidentMb: number; afterMb: number } {
  const [before, after] = [run.points[0], run.points[run.points.length - 1]];
  const perIncidentMb = (after.rssMb - before.rssMb) / (after.open - before.open);
  report.push(`  ${what}, maxCachedWorkflows ${run.maxCachedWorkflows} (${cacheOrigin}); ${loadBetween(run.from, run.to)}`);
  const gcPerIncidentMb = (after.rssAfterGcMb - before.rssAfterGcMb) / (after.open - before.open);
  report.push(`    RSS before  ${String(before.open).padStart(6)} open ${mb(before.rssMb)}   after GC ${mb(before.rssAfterGcMb)}   (${before.cached} cached)`);
  report.push(
    `    RSS after   ${String(after.open).padStart(6)} open ${mb(after.rssMb)}   after GC ${mb(after.rssAfterGcMb)}   (${after.cached} cached; opened ${after.open - before.open} in ${run.openSeconds.toFixed(1)} s)`,
  );
  report.push(`    growth per open incident   ${perIncidentMb.toFixed(3)} MB (${(perIncidentMb * 1024).toFixed(0)} KB)   after GC ${gcPerIncidentMb.toFixed(3)} MB (${(gcPerIncidentMb * 1024).toFixed(0)} KB)`);
  return { perIncidentMb: Math.max(perIncidentMb, gcPerIncidentMb), afterMb: Math.max(after.rssMb, after.rssAfterGcMb) };
}

if (perIncident) {
  report.push('');
  report.push(`1. Worker memory per open incident (worker in its own process, RSS from /proc/<pid>/status, median of the first ${RSS_SAMPLES} readings a second apart within ${RSS_STABLE_MB} MB, at most ${(SETTLE_MS + SETTLE_MAX_MS) / 1000} s after the last page)`);
  const vigil = growthLines(perIncident, 'Vigil worker (worker/main.ts), incidents paged once, each waiting on a 1 h timer', "worker/main.ts's default");
  let floorPerIncident: number | undefined;
  if (floorMemory) floorPerIncident = growthLines(floorMemory, 'floor: bare worker, workflows that ran one activity, each waiting on a 1 h timer', "the SDK's default").perIncidentMb;
  const goalsMet = vigil.perIncidentMb <= 0.4 && vigil.afterMb < 400;
  report.push(
    `  judged (larger of as found / after GC): Vigil ${vigil.perIncidentMb.toFixed(3)} MB per open incident (goal ≤ 0.4), ${vigil.afterMb.toFixed(0)} MB in all (goal < 400): ${goalsMet ? 'met' : 'NOT met'}`,
  );
  if (floorPerIncident !== undefined) report.push(`  floor ${floorPerIncident.toFixed(3)} MB per open workflow; Vigil − floor ${(vigil.perIncidentMb - floorPerIncident).toFixed(3)} MB`);
}
if (plateau) {
  report.push('');
  report.push(`  Plateau: Vigil worker with maxCachedWorkflows ${plateau.maxCachedWorkflows}, up to ${plateau.points[plateau.points.length - 1].open} open incidents; ${loadBetween(plateau.from, plateau.to)}`);
  report.push(`    ${'open'.padStart(6)}  ${'RSS'.padStart(10)}  ${'spread'.padStart(8)}  ${'after GC'.padStart(10)}  cached  load`);
  for (const point of plateau.points) {
    report.push(
      `    ${String(point.open).padStart(6)}  ${mb(point.rssMb)}  ${point.spreadMb.toFixed(1).padStart(5)} MB  ${mb(point.rssAfterGcMb)}  ${String(point.cached).padStart(6)}  ${point.load.toFixed(2)}`,
    );
  }
  const last = plateau.points[plateau.points.length - 1];
  const half = plateau.points.reduce((best, point) => (Math.abs(point.open - last.open / 2) < Math.abs(best.open - last.open / 2) ? point : best));
  const change = last.rssMb - half.rssMb;
  const gcChange = last.rssAfterGcMb - half.rssAfterGcMb;
  const flat = (delta: number, base: number) => Math.abs(delta) <= Math.max(25, base * 0.05);
  report.push(
    `    ${half.open} → ${last.open} open: ${change >= 0 ? '+' : ''}${change.toFixed(1)} MB (${((change / half.rssMb) * 100).toFixed(1)}%), after GC ${gcChange >= 0 ? '+' : ''}${gcChange.toFixed(1)} MB; opened ${last.open - WARMUP} in ${plateau.openSeconds.toFixed(1)} s${plateau.retries ? `, ${plateau.retries} retried calls` : ''}: ${flat(change, half.rssMb) && flat(gcChange, half.rssAfterGcMb) ? 'plateau (both within 5% or 25 MB)' : 'NO plateau (goal: within 5% or 25 MB)'}`,
  );
}
if (lateness) {
  const { vigil, vigilHanded, smtpLeg, floor, floorSmtp } = lateness;
  report.push('');
  report.push(
    `2. Page lateness: level 1 waits ${LEVEL_TIMEOUT_S} s; ${SAMPLES} samples each, in waves of ${WAVE} Vigil + ${WAVE} floor + ${WAVE} floor-with-SMTP side by side, starts ${STAGGER_MS} ms apart (workers in the bench process); ${loadBetween(lateness.from, lateness.to)}`,
  );
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(62)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(6)} ms   max ${Math.max(...values).toFixed(1).padStart(6)} ms   (n=${values.length})`;
  report.push(line(`floor: sleep ${LEVEL_TIMEOUT_S} s, then 1 activity records the time`, floor));
  report.push(line('Vigil: level-2 page handed to the email transport − nextLevelAt', vigilHanded));
  report.push(line(`floor + SMTP: sleep ${LEVEL_TIMEOUT_S} s, 1 activity sends 1 email; at the sink`, floorSmtp));
  report.push(line('Vigil: level-2 page received at the SMTP sink − nextLevelAt', vigil));
  report.push(line('  of which the SMTP leg (sink receipt − handed to transport)', smtpLeg));
  const p99 = (values: number[]) => percentile(values, 99);
  const difference = p99(vigil) - p99(floor);
  report.push(`  p99 Vigil at the sink − floor                  ${difference.toFixed(1).padStart(6)} ms (goal ≤ 100 ms, as stated): ${difference <= 100 ? 'met' : 'NOT met'}`);
  report.push(`  like for like: p99 Vigil handed − floor         ${(p99(vigilHanded) - p99(floor)).toFixed(1).padStart(6)} ms;   p99 Vigil at the sink − floor + SMTP ${(p99(vigil) - p99(floorSmtp)).toFixed(1)} ms`);
  if (lateness.fallbacks || lateness.retries) {
    report.push(`  ${lateness.fallbacks} plans read from the timeline (level 2 fired before the query); ${lateness.retries} retried calls`);
  }
}
report.push('');
report.push(`uptime after:  ${uptimeLine()}`);
console.log(report.join('\n'));
if (cleanups.interrupted) {
  console.error(`\nbench:escalation interrupted by ${cleanups.interrupted}`);
  process.exitCode = 1;
} else if (failed) {
  console.error(`\nbench:escalation FAILED: ${(failed as Error).stack ?? String(failed)}`);
  process.exitCode = 1;
}
const leftovers = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
if (leftovers.length > 0) console.error(`bench:escalation: ${leftovers.length} worker processes still running (pids ${leftovers.map((child) => child.pid).join(', ')})`);
// Everything is stopped; do not let a stray native handle keep the process alive.
process.exit();
