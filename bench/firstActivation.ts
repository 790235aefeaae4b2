/**
 * `npm run bench:first-task` (bench/firstActivation.ts): the CPU of a new incident's first workflow task, against
 * the floor's (bench/floorWorkflow.ts, the workflow `bench:core` compares with), without the
 * server, the API or other incidents in the way: on this 2-core machine `bench:core`'s latency
 * follows CPU per alert, and this is the worker's share of it that workflow code decides.
 *
 * It records one history of each on the time-skipping test server (an incident of one level,
 * one person by email, opened as the API opens one: plan in the input, no open problem), cuts
 * each after its first workflow task started, and replays that task FIRST_TASK_REPLAYS times
 * (default 300) in one replay worker, three rounds. It prints the process CPU per replayed task
 * and the promises the workflow code created per task: the SDK captures a stack trace for every
 * promise created in workflow code (its promise hook, for the `__stack_trace` query), which a CPU
 * profile of this bench (`node --import tsx --cpu-prof bench/firstActivation.ts`) shows as the
 * largest single cost. Loopback only; bounded in count.
 */
import { randomUUID } from 'node:crypto';
import { promiseHooks } from 'node:v8';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { alertSignal } from '../contracts/incident';
import { incidentWorkflowId } from '../domain/alert';
import type { IncidentPlan } from '../domain/incidentPlan';
import { makeAlert } from '../devkit/alerts';
import { alice, fakeWorkflowActivities } from '../devkit/fakeWorkflowActivities';
import { createTimeSkippingEnv, workflowBundle } from '../devkit/timeSkippingServer';
import { waitFor } from '../devkit/waitFor';
import { floorSignal } from './floorWorkflow';
import { writeBenchResult } from './harness/benchResult';
import { bundleFloorWorkflow } from './harness/floorBundle';

type History = proto.temporal.api.history.v1.IHistory;

const REPLAYS = Number(process.env.FIRST_TASK_REPLAYS ?? 300);
const ROUNDS = 3;
if (!(REPLAYS >= 10 && REPLAYS <= 5_000)) throw new Error('FIRST_TASK_REPLAYS must be between 10 and 5000');

const plan: IncidentPlan = { policy: { id: 'one', repeat: 0, levels: [{ targets: [alice], channels: ['email'], timeoutSeconds: 3_600 }] } };

/** The history up to and including its first WorkflowTaskStarted: replaying it runs exactly the first task. */
function firstTaskOf(history: History): History {
  const events = history.events ?? [];
  const started = events.findIndex((event) => event.eventType === proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  if (started < 0) throw new Error('the history has no workflow task');
  return { events: events.slice(0, started + 1) };
}

async function recordIncident(env: TestWorkflowEnvironment): Promise<History> {
  const fakes = fakeWorkflowActivities({ plan });
  const taskQueue = `first-task-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
  return worker.runUntil(async () => {
    const alert = makeAlert({ service: 'bench', dedupKey: `first-task-${randomUUID()}` });
    const handle = await env.client.workflow.signalWithStart('incidentWorkflow', {
      workflowId: incidentWorkflowId(alert),
      taskQueue,
      args: [{ alert, plan, openProblem: false }],
      signal: alertSignal,
      signalArgs: [alert],
    });
    await waitFor('the first page', async () => fakes.sent.length > 0, 30_000);
    const history = await handle.fetchHistory();
    await handle.terminate('recorded');
    return history;
  });
}

async function recordFloor(env: TestWorkflowEnvironment, bundle: WorkflowBundleWithSourceMap): Promise<History> {
  const taskQueue = `first-task-floor-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: { touch: async () => undefined } });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.signalWithStart('floorWorkflow', {
      workflowId: `floor-${randomUUID()}`,
      taskQueue,
      args: [Date.now()],
      signal: floorSignal,
      signalArgs: ['alert'],
    });
    await handle.result();
    return handle.fetchHistory();
  });
}

/** Promises created in workflow code (another realm's Promise) while `run` runs. */
async function countWorkflowPromises(run: () => Promise<void>): Promise<number> {
  let created = 0;
  const stop = promiseHooks.onInit((promise) => {
    if (!(promise instanceof Promise)) created += 1;
  });
  try {
    await run();
  } finally {
    stop();
  }
  return created;
}

async function replayMany(bundle: WorkflowBundleWithSourceMap, history: History, count: number): Promise<void> {
  async function* histories() {
    for (let index = 0; index < count; index += 1) yield { workflowId: `replay-${index}`, history };
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories())) {
    if (result.error) throw result.error;
  }
}

async function measure(name: string, bundle: WorkflowBundleWithSourceMap, history: History): Promise<{ cpuMs: number; promises: number }> {
  await replayMany(bundle, history, 20); // warm-up: the replay worker, the bundle's context
  const promises = (await countWorkflowPromises(() => replayMany(bundle, history, 20))) / 20;
  const cpuMs: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const before = process.cpuUsage();
    await replayMany(bundle, history, REPLAYS);
    const used = process.cpuUsage(before);
    cpuMs.push((used.user + used.system) / 1000 / REPLAYS);
  }
  cpuMs.sort((a, b) => a - b);
  const commands = (history.events ?? []).length;
  console.log(`${name.padEnd(9)} CPU per first task  median ${cpuMs[1]!.toFixed(2)} ms  (rounds ${cpuMs.map((ms) => ms.toFixed(2)).join(', ')})  promises in workflow code ${promises.toFixed(0)}  (${commands} events replayed)`);
  return { cpuMs: cpuMs[1]!, promises };
}

const env = await createTimeSkippingEnv();
try {
  const floorBundle = await bundleFloorWorkflow();
  const incident = firstTaskOf(await recordIncident(env));
  const floor = firstTaskOf(await recordFloor(env, floorBundle));
  console.log(`bench:firstActivation: ${REPLAYS} replays of each first task, ${ROUNDS} rounds`);
  const floorTask = await measure('floor', floorBundle, floor);
  const incidentTask = await measure('incident', await workflowBundle(), incident);
  console.log(`incident / floor: ${(incidentTask.cpuMs / floorTask.cpuMs).toFixed(2)}× the CPU per first task`);
  const floorName = 'the floor workflow (signalWithStart + 1 activity), replayed alike';
  writeBenchResult({
    bench: 'first-task',
    settings: { FIRST_TASK_REPLAYS: REPLAYS },
    figures: [
      { name: 'CPU per first workflow task, replayed (median of 3 rounds)', value: incidentTask.cpuMs, unit: 'ms', floor: { name: floorName, value: floorTask.cpuMs } },
      { name: 'promises created in workflow code per first task', value: incidentTask.promises, unit: 'count', floor: { name: floorName, value: floorTask.promises } },
    ],
  });
} finally {
  await env.teardown();
}
