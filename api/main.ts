/**
 * API process: `npm run api`. Keeps nothing in memory another replica needs: incidents live in
 * Temporal, the spool and records in the SQL store (share one PostgreSQL via DATABASE_URL to run
 * several replicas; the embedded store under VIGIL_HOME serves one).
 */
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type express from 'express';
import { loadConfig, resolveApiKeys } from '../platform/loadConfig';
import { createLogger } from '../platform/logger';
import { payloadEncryptionFromEnv, UNENCRYPTED_WARNING } from '../platform/payloadEncryption';
import { prepareSearchAttributes } from '../platform/searchAttributes';
import { temporalSettings } from '../platform/temporalSettings';
import { planIncident } from '../domain/incidentPlan';
import { RUNBOOK_SPECS } from '../domain/runbookSpecs/index';
import { openSqlStore } from '../platform/sqlStore';
import { createApp } from './app';
import { authFailureGuardFor, stormGuardFor } from './access/limitsFromConfig';
import { startMetricsListener } from './http/metricsListener';
import { closeGracefully } from './http/gracefulClose';
import { uiOriginsFrom } from './routes/codec';
import { warmTwilioSdk } from './routes/twilioRequests';
import { TELNYX_MESSAGE_ID_KEEP_MS } from './routes/telnyxSms';
import { matrixAppServiceFromEnv } from './routes/matrixAppService';
import { DEFAULT_TEMPORAL_UI_URL } from './routes/dashboard';
import { createAlertSpool } from './intake/alertSpool';
import { startForwarder } from './intake/forwarder';
import { forwardToTemporal } from './intake/intakeItem';
import { createAlertGroups } from './records/alertGroups';
import { createChangeEvents } from './records/changeEvents';
import { createSenderTriggers } from './records/senderTriggers';
import { createUsedAckLinks } from './records/usedAckLinks';
import { createChatRecords } from '../platform/chatRecords';
import { createChatRequestGuard } from './chat/chatRequestGuard';
import { watchOpenProblems } from './gateways/openProblems';
import { mattermostMentionLookupFromEnv } from './chat/mattermost/mattermostUsers';
import { createTemporalChatGateway } from './gateways/chatGateway';
import { chatRoomsFor } from './gateways/chatRooms';
import { createInboundMessages } from './records/inboundMessages';
import { createAlarmStates } from './records/alarmStates';
import { SNS_MESSAGE_ID_KEEP_MS } from './sns/snsFreshness';
import { createIncidentReviews } from './records/incidentReviews';
import { createEventLog } from './records/eventLog';
import { createRequestDigests } from './records/requestDigests';
import { BODY_RETRY_WINDOW_SECONDS } from './intake/alertIdentity';
import { createMaintenanceWindows } from '../platform/maintenanceWindows';
import { createTemporalGateway } from './gateways/temporalGateway';
import { createTemporalKpiSource, kpiSettleMsFromEnv } from './reporting/temporalKpiSource';
import { createClosedIncidentRuns } from './records/closedIncidentRuns';
import { createTemporalProblemGateway } from './gateways/temporalProblemGateway';
import { smtpSettingsFromEnv } from './inboundMail/smtpSettings';
import type { ReceiveDeps } from './intake/receive';
import { sqlRateLimiter } from '../platform/rateLimitStore';
import { createTemporalHeartbeatGateway } from './gateways/temporalHeartbeatGateway';
import { watchConfiguredHeartbeats } from './gateways/heartbeatWatch';
import { heartbeatsOf } from '../domain/heartbeat';
import { announceReady, warmingCodeCache } from '../platform/codeCache';

const logger = createLogger('vigil-api');

/** `VIGIL_RETRY_WINDOW_SECONDS`: how long an identical body without a sender identity is taken for a retry (docs/integrations.md). */
function retryWindowSeconds(): number {
  const raw = process.env.VIGIL_RETRY_WINDOW_SECONDS;
  if (raw === undefined || raw === '') return BODY_RETRY_WINDOW_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400) throw new Error(`VIGIL_RETRY_WINDOW_SECONDS: expected whole seconds from 0 to 86400, got "${raw}"`);
  return seconds;
}

/**
 * A connection with the search attributes registered and usable. Temporal may be down as the API
 * starts: alerts then go to the spool until it answers.
 */
async function connectTemporal(settings: ReturnType<typeof temporalSettings>): Promise<Connection> {
  const connection = await Connection.connect(settings.connection).catch((error: unknown) => {
    logger.warn({ err: error, temporal: settings.connection.address }, 'Temporal does not answer yet; alerts are spooled until it does');
    return Connection.lazy(settings.connection);
  });
  // Registered, then waited for until the server accepts them (on Temporal Cloud the operator API
  // needs an admin key: register them there once, and this only logs).
  await prepareSearchAttributes(connection, settings.namespace, logger);
  return connection;
}

async function main(): Promise<void> {
  const config = await loadConfig();
  const retryWindow = retryWindowSeconds();
  const settings = temporalSettings();
  const vigilDir = resolve(process.env.VIGIL_HOME ?? '.vigil');
  // The SQL store and Temporal are opened at once: neither waits on the other, and a start is
  // mostly these two round trips once the code is loaded.
  const [store, connection] = await Promise.all([
    openSqlStore({ databaseUrl: process.env.DATABASE_URL, dataDir: join(vigilDir, 'store') }).then((opened) => {
      logger.info({ store: opened.kind }, 'SQL store open');
      return opened;
    }),
    connectTemporal(settings),
  ]);
  const spool = await createAlertSpool(store);
  // Every payload this client sends is encrypted, and what it reads (memo included) decrypted.
  const encryption = payloadEncryptionFromEnv();
  if (!encryption.codec) logger.warn(UNENCRYPTED_WARNING);
  const client = new Client({ connection, namespace: settings.namespace, dataConverter: encryption.dataConverter });
  const port = Number(process.env.PORT ?? 3000);
  const publicUrl = (process.env.VIGIL_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const apiKeys = resolveApiKeys(config);
  if (apiKeys.size === 0) logger.warn('no API key is set in the environment: every write over HTTP is refused');
  // A new incident's first page waits for no problem check when none is open for it (#17).
  const openProblems = watchOpenProblems({ client, config, logger });
  const gateway = createTemporalGateway({ client, taskQueue: settings.taskQueue, plan: (alert) => planIncident(config, RUNBOOK_SPECS, alert), openProblem: (alert) => openProblems.openProblemFor(alert) });
  const forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(gateway, item), logger });
  const heartbeats = createTemporalHeartbeatGateway({ client, taskQueue: settings.taskQueue });
  const heartbeatWatch = watchConfiguredHeartbeats(heartbeats, heartbeatsOf(config), logger);
  // Closed incidents' KPI facts are copied into the store once settled (decision 64), warmed once listening.
  const kpis = createTemporalKpiSource(client, { closedRuns: createClosedIncidentRuns(store), settleMs: kpiSettleMsFromEnv() });
  const app = createApp({
    gateway,
    spool,
    events: createEventLog(store),
    maintenance: createMaintenanceWindows(store),
    groups: createAlertGroups(store),
    changes: createChangeEvents(store),
    senderTriggers: createSenderTriggers(store),
    usedAckLinks: createUsedAckLinks(store),
    // SMS MessageSids are kept: Twilio's requests carry no time to judge a replay's age by.
    inboundMessages: createInboundMessages(store, { keepMs: { sns: SNS_MESSAGE_ID_KEEP_MS, 'telnyx-sms': TELNYX_MESSAGE_ID_KEEP_MS } }),
    alarmStates: createAlarmStates(store),
    kpis,
    reviews: createIncidentReviews(store),
    // The worker's room records when it shares this store (DATABASE_URL), else what visibility shows (decision 79).
    chatRooms: chatRoomsFor(config, createChatRecords(store), client),
    chatRequests: createChatRequestGuard(store),
    chatSide: createTemporalChatGateway(client),
    chatMentions: { mattermost: mattermostMentionLookupFromEnv(process.env) },
    requestDigests: createRequestDigests(store),
    retryWindowSeconds: retryWindow,
    problems: createTemporalProblemGateway({ client, taskQueue: settings.taskQueue }),
    linkSecret: process.env.VIGIL_LINK_SECRET,
    config,
    apiKeys,
    publicUrl,
    twilioAuthToken: process.env.TWILIO_AUTH_TOKEN,
    telnyxPublicKey: process.env.TELNYX_PUBLIC_KEY || undefined,
    telnyxApiKey: process.env.TELNYX_API_KEY || undefined,
    telnyxApiUrl: process.env.TELNYX_API_URL || undefined,
    authFailures: authFailureGuardFor(config, store),
    stormGuard: stormGuardFor(config, store, logger),
    metricsToken: process.env.VIGIL_METRICS_TOKEN || undefined,
    trustedProxies: (process.env.VIGIL_TRUSTED_PROXIES ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
    logger,
    heartbeats,
    // Chat platforms' inbound routes (#16): each platform's credential from the environment.
    matrix: matrixAppServiceFromEnv(process.env),
    slack: { signingSecret: process.env.SLACK_SIGNING_SECRET || undefined, teamId: process.env.SLACK_TEAM_ID || undefined },
    mattermost: { commandToken: process.env.MATTERMOST_COMMAND_TOKEN || undefined, actionSecret: process.env.MATTERMOST_ACTION_SECRET || undefined, mattermostUrl: process.env.MATTERMOST_URL || undefined },
    codecServer: encryption.codec && { codec: encryption.codec, namespace: settings.namespace, uiOrigins: uiOriginsFrom(process.env.VIGIL_TEMPORAL_UI_URL ?? DEFAULT_TEMPORAL_UI_URL) },
  });
  const metricsListener = startMetricsListener(app.locals.serveMetrics as express.RequestHandler, logger);
  const server = app.listen(port, process.env.HOST ?? '0.0.0.0', () => {
    logger.info({ port, publicUrl, temporal: settings.connection.address, namespace: settings.namespace }, 'api listening');
    announceReady();
    // After ready, not before: the copy reads a month of visibility, which a start need not wait for.
    kpis.warm().catch((error: unknown) => logger.warn({ err: error }, 'copying closed incidents for the KPIs failed; the first KPI request will retry'));
    // SMS replies need the Twilio SDK: loaded now that requests are served, not before.
    if (process.env.TWILIO_AUTH_TOKEN) warmTwilioSdk().catch((error: unknown) => logger.error({ err: error }, 'loading the Twilio SDK failed'));
  });
  // In-flight requests get VIGIL_SHUTDOWN_GRACE_MS (10 s) to be answered; the store closes after them.
  const graceMs = Number(process.env.VIGIL_SHUTDOWN_GRACE_MS ?? 10_000);
  // Inbound email (docs/integrations.md), off unless VIGIL_SMTP_PORT is set.
  const smtpSettings = smtpSettingsFromEnv(process.env);
  // Loaded only when the listener is on: its MIME parser is a third of a second of every start.
  const smtp = smtpSettings
    ? await (await import('./inboundMail/smtpListener')).startSmtpListener({
        settings: smtpSettings,
        config,
        env: process.env,
        receive: app.locals.receive as ReceiveDeps,
        authFailures: authFailureGuardFor(config, store),
        messageLimiter: sqlRateLimiter(store, { keyPrefix: 'smtp-messages', points: smtpSettings.messagesPerMinute, duration: 60 }),
        onOutcome: app.locals.countSmtpOutcome as (outcome: string) => void,
        logger,
        closeTimeoutMs: graceMs,
      })
    : undefined;
  const shutdown = () => {
    metricsListener?.close();
    heartbeatWatch.stop();
    openProblems.stop();
    logger.info({ graceMs }, 'stopping: answering requests in flight');
    // SMTP sessions in progress get the same grace, at the same time as HTTP requests.
    const smtpClosed = smtp?.close();
    closeGracefully(server, graceMs)
      .then((outcome) => logger.info({ outcome }, 'http server closed'))
      .then(() => smtpClosed)
      .then(() => forwarder.stop())
      .then(() => store.close())
      .then(() => connection.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stopping failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

// `npm run build` loads the bundle once only to warm its code cache (platform/codeCache.ts).
if (!warmingCodeCache()) main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'api stopped');
  process.exit(1);
});
