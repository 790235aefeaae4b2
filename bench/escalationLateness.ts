/**
 * bench:escalation, part 2: page lateness. Level 1 waits BENCH_LEVEL_TIMEOUT_S; lateness is when
 * the sink received the level-2 page minus the incident's `escalation.nextLevelAt`, beside a bare
 * workflow that sleeps as long and runs one activity (the floor) and the same floor sending one
 * email, in waves (see bench/escalation.ts's header). Workers run in the bench process, as
 * bench:core runs them.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createSmtpEmailTransport } from '../activities/transports/smtpEmail';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import { parseConfig } from '../domain/config';
import { planIncident } from '../domain/incidentPlan';
import type { EmailTransport } from '../domain/transports';
import { parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import type { DevServer } from '../scripts/devServer';
import { makeAlert } from '../devkit/alerts';
import { startStack } from '../devkit/stack';
import { incidentQuery } from '../contracts/incident';
import type { EscalationFloorActivities } from './escalationFloorWorkflow';
import { sleep, type BenchClock } from './harness/benchClock';
import type { BenchCleanups } from './harness/benchProcess';
import type { EscalationSink } from './harness/escalationSink';
import type { LatenessRun } from './harness/escalationReport';
import { incidentOf, submitWithRetries } from './harness/openIncident';

const FLOOR_WORKFLOWS = fileURLToPath(new URL('./escalationFloorWorkflow.ts', import.meta.url));
/** The service of the lateness part's incidents: the sink stamps their pages. */
export const LATE_SERVICE = 'late';
const HOLD = '1h';

export interface LatenessContext {
  devServer: DevServer;
  sink: EscalationSink;
  cleanups: BenchCleanups;
  clock: BenchClock;
  /** Makes this run's workflow ids and dedup keys its own. */
  tag: string;
  settings: { LEVEL_TIMEOUT_S: number; SAMPLES: number; WAVE: number; STAGGER_MS: number; PAYLOAD_KEYS: string };
}

/** Runs `fn` once; later calls share the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

export async function latenessRun(context: LatenessContext): Promise<LatenessRun> {
  const { devServer, sink, cleanups, tag } = context;
  const { progress, withinDeadline, until } = context.clock;
  const { LEVEL_TIMEOUT_S, SAMPLES, WAVE, STAGGER_MS } = context.settings;
  const encryption = payloadEncryptionWith(parsePayloadKeys(context.settings.PAYLOAD_KEYS));
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
  const stack = await startStack({ config, email, sms: { name: 'bench', send: async () => ({ id: randomUUID() }) }, runbooks: [], devServer, payloadKeys: context.settings.PAYLOAD_KEYS });
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
    // The stack's client encrypts what it starts; the floor worker reads it with the same key.
    dataConverter: encryption.dataConverter,
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
    const incidentId = await submitWithRetries(gateway, makeAlert({ service: LATE_SERVICE, dedupKey: `late-${tag}-${index}`, summary: `lateness sample ${index}` }), retries);
    const { ref, code } = incidentOf(incidentId);
    await until(`the level-1 page of ${code}`, () => sink.pageAt(code, 'first@example.test'), waitMs);
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
    const receivedAtMs = await until(`the level-2 page of ${code}`, () => sink.pageAt(code, 'second@example.test'), waitMs);
    const handed = handedAt.get(`${code}/second@example.test`) as number;
    return { atSink: receivedAtMs - plannedAtMs, handed: handed - plannedAtMs };
  }

  async function floorSample(index: number, viaSmtp: boolean): Promise<number> {
    const key = `bench-escalation-floor-${viaSmtp ? 'smtp-' : ''}${tag}-${index}`;
    await stack.client.workflow.start('escalationFloorWorkflow', { taskQueue: floorQueue, workflowId: key, args: [key, timeoutMs, false] });
    if (!viaSmtp) return until(`the floor activity of ${key}`, () => floorLateness.get(key), waitMs);
    const receivedAtMs = await until(`the floor email of ${key}`, () => sink.floorAt(key), waitMs);
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
