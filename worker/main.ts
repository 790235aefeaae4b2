/**
 * Worker process: `npm run worker`. Runs as many replicas as you like against one cluster and one
 * PostgreSQL (`DATABASE_URL`), where the delivery log lives; without DATABASE_URL it keeps an
 * embedded store of its own under VIGIL_HOME, good for one worker (see worker/workerStore.ts).
 */
import { resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { temporalSettings } from '../platform/temporalSettings';
import { RUNBOOKS } from '../runbooks/index';
import { bundleWorkflowsInChild } from './bundleWorkflows';
import { createVigilWorker } from './createWorker';
import { openWorkerStore } from './workerStore';
import { transportsFromEnv } from './transports';

const logger = createLogger('vigil-worker');

/**
 * Incidents kept in memory. An open incident mostly waits on a timer for minutes or hours; one
 * that is not cached costs nothing until its timer fires, and then a replay of a short history
 * (milliseconds). Each cached one costs about 0.3 MB (bench:escalation), so this default keeps a
 * worker with 1,000 open incidents under 400 MB (384 MB measured). The SDK's own default is sized
 * from the heap limit (over 2,000 here). Raise it with VIGIL_MAX_CACHED_WORKFLOWS if many incidents
 * are busy at once.
 */
const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

async function main(): Promise<void> {
  const config = await loadConfig();
  const settings = temporalSettings();
  const vigilDir = resolve(process.env.VIGIL_HOME ?? '.vigil');
  // Bundling runs in a child process: the store opens meanwhile (an embedded one takes seconds).
  // Both are waited for, so a failure of one never leaves the other's child or file behind.
  const [opened, bundled] = await Promise.allSettled([
    openWorkerStore({
      databaseUrl: process.env.DATABASE_URL,
      vigilDir,
      temporalAddress: settings.connection.address ?? 'localhost:7233',
      warn: (message) => logger.warn(message),
    }),
    bundleWorkflowsInChild(vigilDir),
  ]);
  if (opened.status === 'rejected') throw opened.reason;
  const store = opened.value;
  if (bundled.status === 'rejected') {
    await store.close();
    throw bundled.reason;
  }
  const connection = await NativeConnection.connect(settings.connection);
  const { email, sms } = transportsFromEnv(process.env, vigilDir);
  const worker = await createVigilWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    config,
    runbooks: RUNBOOKS,
    email,
    sms,
    store,
    linkSecret: process.env.VIGIL_LINK_SECRET,
    maxCachedWorkflows: process.env.VIGIL_MAX_CACHED_WORKFLOWS ? Number(process.env.VIGIL_MAX_CACHED_WORKFLOWS) : DEFAULT_MAX_CACHED_WORKFLOWS,
    publicUrl: process.env.VIGIL_PUBLIC_URL ?? 'http://localhost:3000',
    workflowBundle: bundled.value,
  });
  logger.info(
    { address: settings.connection.address, store: store.kind, namespace: settings.namespace, taskQueue: settings.taskQueue, email: email.name, sms: sms.name },
    'worker started',
  );
  await worker.run();
  await connection.close();
  await store.close();
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker stopped');
  process.exit(1);
});

