/**
 * A worker process for bench/escalation.ts, started as a child so its RSS is its own.
 *
 * - `BENCH_WORKER=vigil` (default): `worker/main.ts` exactly as `npm run worker` runs it (config
 *   from VIGIL_CONFIG, transports from the environment, Temporal from TEMPORAL_ADDRESS and
 *   VIGIL_TASK_QUEUE). Neither worker/main.ts nor createVigilWorker lets the cache size be set,
 *   so when `BENCH_MAX_CACHED_WORKFLOWS` is given, `Worker.create` is wrapped to pass it: the
 *   only difference from production.
 * - `BENCH_WORKER=floor`: a bare worker with the same SDK defaults, running
 *   bench/escalationFloorWorkflow.ts, whose one activity only counts its calls.
 *
 * Over the IPC channel it answers `{ type: 'status', id, gc? }` with its cache occupancy and
 * activity count (after a full GC of its main thread when `gc` is set), and it exits when the
 * bench that started it goes away (the channel disconnects).
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { payloadEncryptionFromEnv } from '../platform/payloadEncryption';
import { temporalSettings } from '../platform/temporalSettings';

export interface EscalationWorkerStatus {
  type: 'status';
  id: number;
  rssBytes: number;
  cachedWorkflows: number;
  maxCachedWorkflows: number;
  activityCalls: number;
  runState: string;
}

const send = (message: unknown) => process.send?.(message);
let worker: Worker | undefined;
let activityCalls = 0;

process.on('message', (message: { type?: string; id?: number; gc?: boolean }) => {
  if (message?.type !== 'status') return;
  // Started with --expose-gc: a full collection of this (the main) thread's heap on request. The
  // workflow sandbox runs in a worker thread of its own, which this does not reach.
  if (message.gc) (globalThis as { gc?: () => void }).gc?.();
  const status: EscalationWorkerStatus = {
    type: 'status',
    id: message.id ?? 0,
    rssBytes: process.memoryUsage.rss(),
    cachedWorkflows: worker?.getStatus().numCachedWorkflows ?? 0,
    maxCachedWorkflows: worker?.options.maxCachedWorkflows ?? -1,
    activityCalls,
    runState: worker?.getState() ?? 'NOT_CREATED',
  };
  send(status);
});
// The bench went away (finished, crashed or was killed): never outlive it.
process.on('disconnect', () => process.exit(0));

const maxCached = process.env.BENCH_MAX_CACHED_WORKFLOWS ? Number(process.env.BENCH_MAX_CACHED_WORKFLOWS) : undefined;
const create = Worker.create.bind(Worker);
Worker.create = async (options: WorkerOptions) => {
  const created = await create(maxCached === undefined ? options : { ...options, maxCachedWorkflows: maxCached });
  worker = created;
  send({ type: 'ready', maxCachedWorkflows: created.options.maxCachedWorkflows });
  return created;
};

if (process.env.BENCH_WORKER === 'floor') {
  const settings = temporalSettings();
  const connection = await NativeConnection.connect(settings.connection);
  const floor = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    // The bench's client encrypts what it starts (VIGIL_PAYLOAD_KEYS), as Vigil's worker reads it.
    dataConverter: payloadEncryptionFromEnv().dataConverter,
    workflowsPath: fileURLToPath(new URL('./escalationFloorWorkflow.ts', import.meta.url)),
    activities: {
      async fired() {
        activityCalls += 1;
      },
    },
  });
  await floor.run();
  await connection.close();
} else {
  await import('../worker/main');
}
