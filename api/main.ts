/**
 * API process: `npm run api`. Stateless: run as many replicas as you like against one cluster.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, resolveApiKeys } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { registerSearchAttributes } from '../platform/searchAttributes';
import { temporalSettings } from '../platform/temporalSettings';
import { planIncident } from '../activities/plan';
import { RUNBOOKS } from '../runbooks/index';
import { createApp } from './app';
import { createTemporalGateway } from './temporalGateway';

const logger = createLogger('vigil-api');

async function main(): Promise<void> {
  const config = await loadConfig();
  const settings = temporalSettings();
  const connection = await Connection.connect(settings.connection);
  // On Temporal Cloud the operator API needs an admin key: register the attributes there once.
  await registerSearchAttributes(connection, settings.namespace).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not register search attributes; add them once by hand (see docs/deployment.md)'),
  );
  const client = new Client({ connection, namespace: settings.namespace });
  const port = Number(process.env.PORT ?? 3000);
  const publicUrl = (process.env.VIGIL_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const apiKeys = resolveApiKeys(config);
  if (apiKeys.size === 0) logger.warn('no API key is set in the environment: acknowledge and resolve over HTTP are refused');
  const app = createApp({
    gateway: createTemporalGateway({ client, taskQueue: settings.taskQueue, plan: (alert) => planIncident(config, RUNBOOKS, alert) }),
    config,
    apiKeys,
    publicUrl,
    twilioAuthToken: process.env.TWILIO_AUTH_TOKEN,
    logger,
  });
  const server = app.listen(port, process.env.HOST ?? '0.0.0.0', () => {
    logger.info({ port, publicUrl, temporal: settings.connection.address, namespace: settings.namespace }, 'api listening');
  });
  const shutdown = () => {
    server.close(() => void connection.close().finally(() => process.exit(0)));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'api stopped');
  process.exit(1);
});
