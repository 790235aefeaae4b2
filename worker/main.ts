/**
 * Worker process: `npm run worker` (from source) or `node dist/worker/main.js` (a build, which
 * loads the workflow bundle made ahead of time). Serves `/healthz` and `/metrics` on
 * VIGIL_WORKER_PORT; SIGTERM drains. Runs as many replicas as you like against one cluster and
 * one PostgreSQL (`DATABASE_URL`), where the delivery log lives; without DATABASE_URL it keeps an
 * embedded store of its own under VIGIL_HOME, good for one worker (see worker/workerStore.ts).
 */
import { resolve } from 'node:path';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../platform/loadConfig';
import { payloadEncryptionFromEnv, UNENCRYPTED_WARNING } from '../platform/payloadEncryption';
import { createLogger } from '../platform/logger';
import { prepareSearchAttributes } from '../platform/searchAttributes';
import { temporalSettings } from '../platform/temporalSettings';
import { RUNBOOKS } from '../runbooks/index';
import { bundleWorkflowsInChild, prebuiltWorkflowBundle } from './bundleWorkflows';
import { createVigilWorker } from './createWorker';
import { freeLoopbackPort, startWorkerHealthServer } from './healthServer';
import { workerOperations } from './operations';
import { openWorkerStore } from './workerStore';
import { transportsFromEnv } from './transports';
import { announceReady, warmingCodeCache } from '../platform/codeCache';

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
  const operations = workerOperations();
  const sdkMetricsAddress = `127.0.0.1:${operations.sdkMetricsPort ?? (await freeLoopbackPort())}`;
  // Before any connection: Core's metrics go to a loopback exporter that /metrics forwards.
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } });
  const prebuilt = prebuiltWorkflowBundle();
  // The store, the workflow bundle (bundled in a child process when there is no build) and the
  // connection with its search attributes are independent: they are made at once, and all are
  // waited for, so a failure of one never leaves another's child, file or socket behind.
  const [opened, bundled, connected] = await Promise.allSettled([
    openWorkerStore({
      databaseUrl: process.env.DATABASE_URL,
      vigilDir,
      temporalAddress: settings.connection.address ?? 'localhost:7233',
      warn: (message) => logger.warn(message),
    }),
    prebuilt ? Promise.resolve(prebuilt) : bundleWorkflowsInChild(vigilDir),
    NativeConnection.connect(settings.connection).then(async (connection) => {
      try {
        // Before polling: a workflow task that sets an attribute the server does not know yet fails.
        await prepareSearchAttributes(connection, settings.namespace, logger);
        return connection;
      } catch (error) {
        await connection.close();
        throw error;
      }
    }),
  ]);
  const failed = [opened, bundled, connected].find((outcome) => outcome.status === 'rejected');
  if (failed) {
    if (opened.status === 'fulfilled') await opened.value.close();
    if (connected.status === 'fulfilled') await connected.value.close();
    throw failed.reason;
  }
  const store = (opened as PromiseFulfilledResult<Awaited<ReturnType<typeof openWorkerStore>>>).value;
  const connection = (connected as PromiseFulfilledResult<NativeConnection>).value;
  const workflowBundle = (bundled as PromiseFulfilledResult<NonNullable<typeof prebuilt>>).value;
  const encryption = payloadEncryptionFromEnv();
  if (!encryption.codec) logger.warn(UNENCRYPTED_WARNING);
  const { warm, ...transports } = transportsFromEnv(process.env, vigilDir);
  const worker = await createVigilWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    config,
    runbooks: RUNBOOKS,
    transports,
    store,
    linkSecret: process.env.VIGIL_LINK_SECRET,
    dataConverter: encryption.dataConverter,
    maxCachedWorkflows: process.env.VIGIL_MAX_CACHED_WORKFLOWS ? Number(process.env.VIGIL_MAX_CACHED_WORKFLOWS) : DEFAULT_MAX_CACHED_WORKFLOWS,
    publicUrl: process.env.VIGIL_PUBLIC_URL ?? 'http://localhost:3000',
    workflowBundle,
    // SIGTERM (the SDK's default shutdown signals) stops polling; running activities get this long.
    shutdownGraceTime: operations.shutdownGraceTime,
    workerDeploymentOptions: operations.workerDeploymentOptions,
  });
  const healthOptions = { host: operations.healthHost, port: operations.healthPort, state: () => worker.getState(), sdkMetricsAddress };
  const health = await startWorkerHealthServer(healthOptions).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || operations.healthPortExplicit) throw error;
    logger.warn({ port: operations.healthPort }, 'the default health port is taken (another worker on this host?): using a free one; set VIGIL_WORKER_PORT to choose');
    return startWorkerHealthServer({ ...healthOptions, port: 0 });
  });
  logger.info(
    { address: settings.connection.address, store: store.kind, namespace: settings.namespace, taskQueue: settings.taskQueue, ...Object.fromEntries(Object.entries(transports).map(([channel, transport]) => [channel, transport.name])), workflowBundle: prebuilt ? 'prebuilt' : 'bundled at start', payloadKey: encryption.codec?.keyId ?? 'none (payloads in clear)' },
    'worker started',
  );
  logger.info({ health: `http://${operations.healthHost}:${health.port}/healthz` }, 'health and metrics listening');
  announceReady();
  warm().catch((error: unknown) => logger.error({ err: error }, 'loading a channel vendor SDK (email, SMS, ...) failed: pages on that channel will fail'));
  try {
    await worker.run();
  } finally {
    await health.close();
    await connection.close();
    await store.close();
  }
  logger.info('worker stopped after draining');
}

// `npm run build` loads the bundle once only to warm its code cache (platform/codeCache.ts).
if (!warmingCodeCache()) main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker stopped');
  process.exit(1);
});

