/**
 * Worker process: `npm run worker`. Runs as many replicas as you like against one cluster; it
 * keeps no state another replica needs (the delivery log lives under VIGIL_HOME, shared on a host).
 */
import { resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { prepareSearchAttributes } from '../platform/searchAttributes';
import { temporalSettings } from '../platform/temporalSettings';
import { RUNBOOKS } from '../runbooks/index';
import { bundleWorkflowsInChild } from './bundleWorkflows';
import { createVigilWorker } from './createWorker';
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
  const connection = await NativeConnection.connect(settings.connection);
  const workflowBundle = bundleWorkflowsInChild(vigilDir);
  workflowBundle.catch(() => undefined); // awaited below; this only keeps a failure from going unhandled meanwhile
  // Before polling (and while the bundle builds): a workflow task that sets an attribute the
  // server does not know yet fails.
  await prepareSearchAttributes(connection, settings.namespace, logger);
  const { email, sms } = transportsFromEnv(process.env, vigilDir);
  const worker = await createVigilWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    config,
    runbooks: RUNBOOKS,
    email,
    sms,
    vigilDir,
    linkSecret: process.env.VIGIL_LINK_SECRET,
    maxCachedWorkflows: process.env.VIGIL_MAX_CACHED_WORKFLOWS ? Number(process.env.VIGIL_MAX_CACHED_WORKFLOWS) : DEFAULT_MAX_CACHED_WORKFLOWS,
    publicUrl: process.env.VIGIL_PUBLIC_URL ?? 'http://localhost:3000',
    workflowBundle: await workflowBundle,
  });
  logger.info(
    { address: settings.connection.address, namespace: settings.namespace, taskQueue: settings.taskQueue, email: email.name, sms: sms.name },
    'worker started',
  );
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker stopped');
  process.exit(1);
});

