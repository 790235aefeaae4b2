/**
 * Worker process: `npm run worker`. Runs as many replicas as you like against one cluster; it
 * keeps no state another replica needs (the delivery log lives under VIGIL_HOME, shared on a host).
 */
import { resolve } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { temporalSettings } from '../platform/temporalSettings';
import { RUNBOOKS } from '../runbooks/index';
import { bundleWorkflowsInChild } from './bundleWorkflows';
import { createVigilWorker } from './createWorker';
import { transportsFromEnv } from './transports';

const logger = createLogger('vigil-worker');

async function main(): Promise<void> {
  const config = await loadConfig();
  const settings = temporalSettings();
  const vigilDir = resolve(process.env.VIGIL_HOME ?? '.vigil');
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
    vigilDir,
    linkSecret: process.env.VIGIL_LINK_SECRET,
    // Bounds the worker's memory with many open incidents (bench:escalation measures it).
    maxCachedWorkflows: process.env.VIGIL_MAX_CACHED_WORKFLOWS ? Number(process.env.VIGIL_MAX_CACHED_WORKFLOWS) : undefined,
    publicUrl: process.env.VIGIL_PUBLIC_URL ?? 'http://localhost:3000',
    workflowBundle: await bundleWorkflowsInChild(vigilDir),
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

