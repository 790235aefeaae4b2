/**
 * API process: `npm run api`. Keeps nothing in memory another replica needs: incidents live in
 * Temporal, the spool and records in the SQL store (share one PostgreSQL via DATABASE_URL to run
 * several replicas; the embedded store under VIGIL_HOME serves one).
 */
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, resolveApiKeys } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { registerSearchAttributes } from '../platform/searchAttributes';
import { temporalSettings } from '../platform/temporalSettings';
import { planIncident } from '../activities/plan';
import { RUNBOOKS } from '../runbooks/index';
import { openSqlStore } from '../platform/sqlStore';
import { createApp } from './app';
import { createAlertSpool } from './intake/alertSpool';
import { startForwarder } from './intake/forwarder';
import { deliverItem } from './intake/intakeItem';
import { createAlertGroups } from './records/alertGroups';
import { createChangeEvents } from './records/changeEvents';
import { createUsedAckLinks } from './records/usedAckLinks';
import { createIncidentReviews } from './records/incidentReviews';
import { createEventLog } from './records/eventLog';
import { createMaintenanceWindows } from './records/maintenanceWindows';
import { createTemporalGateway } from './temporalGateway';
import { createTemporalKpiSource } from './temporalKpiSource';
import { createTemporalProblemGateway } from './temporalProblemGateway';

const logger = createLogger('vigil-api');

async function main(): Promise<void> {
  const config = await loadConfig();
  const settings = temporalSettings();
  const vigilDir = resolve(process.env.VIGIL_HOME ?? '.vigil');
  const store = await openSqlStore({ databaseUrl: process.env.DATABASE_URL, dataDir: join(vigilDir, 'store') });
  logger.info({ store: store.kind }, 'SQL store open');
  const spool = await createAlertSpool(store);
  // Temporal may be down as the API starts: alerts then go to the spool until it answers.
  const connection = await Connection.connect(settings.connection).catch((error: unknown) => {
    logger.warn({ err: error, temporal: settings.connection.address }, 'Temporal does not answer yet; alerts are spooled until it does');
    return Connection.lazy(settings.connection);
  });
  // On Temporal Cloud the operator API needs an admin key: register the attributes there once.
  await registerSearchAttributes(connection, settings.namespace).catch((error: unknown) =>
    logger.warn({ err: error }, 'could not register search attributes; add them once by hand (see docs/deployment.md)'),
  );
  const client = new Client({ connection, namespace: settings.namespace });
  const port = Number(process.env.PORT ?? 3000);
  const publicUrl = (process.env.VIGIL_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const apiKeys = resolveApiKeys(config);
  if (apiKeys.size === 0) logger.warn('no API key is set in the environment: every write over HTTP is refused');
  const gateway = createTemporalGateway({ client, taskQueue: settings.taskQueue, plan: (alert) => planIncident(config, RUNBOOKS, alert) });
  const forwarder = startForwarder({ spool, deliver: (item) => deliverItem(gateway, item), logger });
  const app = createApp({
    gateway,
    spool,
    events: createEventLog(store),
    maintenance: createMaintenanceWindows(store),
    groups: createAlertGroups(store),
    changes: createChangeEvents(store),
    usedAckLinks: createUsedAckLinks(store),
    kpis: createTemporalKpiSource(client),
    reviews: createIncidentReviews(store),
    problems: createTemporalProblemGateway({ client, taskQueue: settings.taskQueue }),
    linkSecret: process.env.VIGIL_LINK_SECRET,
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
    server.close(() => {
      forwarder
        .stop()
        .then(() => store.close())
        .then(() => connection.close())
        .catch((error: unknown) => logger.error({ err: error }, 'shutdown incomplete'))
        .finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'api stopped');
  process.exit(1);
});
