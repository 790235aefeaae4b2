/**
 * The whole of Vigil on loopback, in one process: the real Temporal dev server (a child
 * process), a real worker, and the Express API on a real port. Used by end-to-end tests and
 * benchmarks; transports are whatever the caller builds (SMTP sink, Twilio fake, or fakes).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { workflowBundle } from './workflowBundle';
import pino from 'pino';
import { planIncident } from '../domain/incidentPlan';
import { createApp, type AppDeps } from '../api/app';
import type { ApiKeys } from '../api/access/auth';
import { createAlertSpool, type AlertSpool } from '../api/intake/alertSpool';
import { startForwarder, type Forwarder } from '../api/intake/forwarder';
import { forwardToTemporal } from '../api/intake/intakeItem';
import { createAlertGroups } from '../api/records/alertGroups';
import { createChangeEvents } from '../api/records/changeEvents';
import { createUsedAckLinks } from '../api/records/usedAckLinks';
import { createIncidentReviews } from '../api/records/incidentReviews';
import { createEventLog } from '../api/records/eventLog';
import { createAlarmStates } from '../api/records/alarmStates';
import { createInboundMessages } from '../api/records/inboundMessages';
import { createSenderTriggers } from '../api/records/senderTriggers';
import { createMaintenanceWindows } from '../platform/maintenanceWindows';
import { createTemporalGateway } from '../api/gateways/temporalGateway';
import { watchOpenProblems } from '../api/gateways/openProblems';
import { createTemporalKpiSource, kpiSettleMsFromEnv } from '../api/reporting/temporalKpiSource';
import { createClosedIncidentRuns, type ClosedIncidentRuns } from '../api/records/closedIncidentRuns';
import { createTemporalProblemGateway } from '../api/gateways/temporalProblemGateway';
import { createTemporalHeartbeatGateway } from '../api/gateways/temporalHeartbeatGateway';
import { openSqlStore, type SqlStore } from '../platform/sqlStore';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import type { VigilConfig } from '../domain/config';
import type { EmailTransport, SmsTransport, VoiceTransport, NtfyTransport, WebhookPageTransport } from '../domain/transports';
import { RUNBOOKS } from '../runbooks/index';
import type { Runbook } from '../runbooks/runbook';
import { startDevServer, type DevServer } from '../scripts/devServer';
import { createVigilWorker, type VigilWorkerDeps } from '../worker/createWorker';
import { createChatRecords } from '../platform/chatRecords';
import { createChatRequestGuard } from '../api/chat/chatRequestGuard';
import { createTemporalChatGateway } from '../api/gateways/chatGateway';
import { chatRoomsFor } from '../api/gateways/chatRooms';
import { freePort } from './freePort';

export interface StackOptions {
  config: VigilConfig;
  email: EmailTransport;
  sms: SmsTransport;
  /** Calls (absent: a voice page fails as a vendor error would, and falls back). */
  voice?: VoiceTransport;
  /** ntfy pushes (absent: an ntfy page fails as an unreachable server would, and falls back). */
  ntfy?: NtfyTransport;
  /** Webhook pages (absent: a webhook page fails as an unreachable receiver would, and falls back). */
  webhook?: WebhookPageTransport;
  runbooks?: readonly Runbook[];
  apiKeys?: ApiKeys;
  twilioAuthToken?: string;
  /** Where integration tokens are read from (process.env when absent). */
  env?: NodeJS.ProcessEnv;
  /** Use this server instead of starting one (several stacks in one run share it). */
  devServer?: DevServer;
  /** Give the API an in-memory SQL store (spool and forwarder, events, maintenance), as `npm start` does. */
  spool?: boolean;
  /** `VIGIL_PAYLOAD_KEYS` of the client and worker (a fresh key when absent: payloads encrypted, as `npm start` runs). */
  payloadKeys?: string;
  /** The worker's chat platforms (#16; absent: from the environment, as a worker reads them). */
  chatPlatforms?: VigilWorkerDeps['chatPlatforms'];
  /** Slack's inbound routes on the API (absent: they answer 503). */
  slack?: AppDeps['slack'];
}

export interface Stack {
  apiUrl: string;
  /** What the API believes its public URL is (for Twilio signatures). */
  publicUrl: string;
  client: Client;
  /** The client's payload encryption, for a worker of a test or bench's own that reads Vigil's payloads. */
  dataConverter: DataConverter;
  devServer: DevServer;
  worker: Worker;
  /** The worker's connection, for extra workers a benchmark runs beside Vigil's. */
  nativeConnection: NativeConnection;
  taskQueue: string;
  /** Present when started with `spool: true`. */
  spool?: AlertSpool;
  /** Ends when the worker stops; rejects if it fails (e.g. Temporal gone for good). */
  workerRun: Promise<void>;
  /** The API's copy of closed incident runs for the KPIs (decision 64), for a bench that seeds it. */
  kpiClosedRuns: ClosedIncidentRuns;
  stop(): Promise<void>;
}

let installedQuietRuntime = false;

/** Signs the acknowledge links in the stack's page emails (worker) and verifies them (API). */
export const STACK_LINK_SECRET = 'stack-link-secret-for-tests';
/** An operations manager's key every stack accepts, beside the caller's own keys. */
export const STACK_API_KEY = 'stack-api-key-for-tests';
/** Headers of a request made with the stack's key: every /v1 route needs a credential. */
export const STACK_AUTH = { authorization: `Bearer ${STACK_API_KEY}` } as const;
/** `/metrics` on the stack's API port takes this token. */
export const STACK_METRICS_TOKEN = 'stack-metrics-token-for-tests';

export async function startStack(options: StackOptions): Promise<Stack> {
  if (!installedQuietRuntime) {
    // Core's own logs would drown test output; errors still surface through the SDK.
    Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) } });
    installedQuietRuntime = true;
  }
  const devServer = options.devServer ?? (await startDevServer({ port: await freePort() }));
  const encryption = payloadEncryptionWith(parsePayloadKeys(options.payloadKeys ?? newPayloadKeyEntry('stack')));
  const connection = await Connection.connect({ address: devServer.address });
  const client = new Client({ connection, dataConverter: encryption.dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: devServer.address });
  const taskQueue = `vigil-e2e-${Date.now()}`;
  const runbooks = options.runbooks ?? RUNBOOKS;
  // The worker's own store (delivery log), as a worker without DATABASE_URL keeps one.
  const workerStore = await openSqlStore({});
  const worker = await createVigilWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    config: options.config,
    runbooks,
    transports: { email: options.email, sms: options.sms, voice: options.voice ?? { name: 'no-voice', call: () => Promise.reject(new Error('this stack places no calls')) },
      ntfy: options.ntfy ?? { name: 'no-ntfy', publish: () => Promise.reject(new Error('this stack pushes nothing')) },
      webhook: options.webhook ?? { name: 'no-webhook', post: () => Promise.reject(new Error('this stack posts no pages')) },
    },
    store: workerStore,
    publicUrl: 'http://vigil.test',
    linkSecret: STACK_LINK_SECRET,
    dataConverter: encryption.dataConverter,
    chatPlatforms: options.chatPlatforms,
    // The same bundle as the worker's own would be (same entry point and options), made once per run.
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();

  const openProblems = watchOpenProblems({ client, config: options.config, logger: pino({ level: 'silent' }) });
  const gateway = createTemporalGateway({ client, taskQueue, plan: (alert) => planIncident(options.config, runbooks, alert), openProblem: (alert) => openProblems.openProblemFor(alert) });
  let store: SqlStore | undefined;
  let spool: AlertSpool | undefined;
  let forwarder: Forwarder | undefined;
  // Replay guards and sender records live in the API's store, as api/main.ts wires them: every
  // stack has one, so signed SMS replies and PagerDuty's bare acknowledges work as deployed.
  const guardStore = await openSqlStore({});
  if (options.spool) {
    store = await openSqlStore({});
    spool = await createAlertSpool(store);
    forwarder = startForwarder({ spool, deliver: (item) => forwardToTemporal(gateway, item), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), idleMs: 200, maxBackoffMs: 2_000 });
  }

  const kpiClosedRuns = createClosedIncidentRuns(guardStore);
  const port = await freePort();
  // As behind a proxy: the public URL differs from the address the server listens on.
  const publicUrl = `https://vigil.example.test:8443`;
  const app = createApp({
    gateway,
    spool,
    events: store && createEventLog(store),
    maintenance: store && createMaintenanceWindows(store),
    groups: store && createAlertGroups(store),
    changes: store && createChangeEvents(store),
    usedAckLinks: store && createUsedAckLinks(store),
    // As api/main.ts wires it: closed incidents' KPI facts copied into the store (decision 64).
    kpis: createTemporalKpiSource(client, { closedRuns: kpiClosedRuns, settleMs: kpiSettleMsFromEnv(options.env ?? process.env) }),
    reviews: store && createIncidentReviews(store),
    inboundMessages: createInboundMessages(guardStore),
    alarmStates: createAlarmStates(guardStore),
    senderTriggers: createSenderTriggers(guardStore),
    // Chat as api/main.ts wires it: rooms the worker recorded in its own store reach the API through visibility.
    chatRooms: chatRoomsFor(options.config, createChatRecords(guardStore), client),
    chatRequests: createChatRequestGuard(guardStore),
    chatSide: createTemporalChatGateway(client),
    slack: options.slack,
    problems: createTemporalProblemGateway({ client, taskQueue }),
    heartbeats: createTemporalHeartbeatGateway({ client, taskQueue }),
    linkSecret: STACK_LINK_SECRET,
    config: options.config,
    apiKeys: new Map([...(options.apiKeys ?? new Map()), [STACK_API_KEY, { user: 'stack-operator', role: 'operations-manager' as const }]]),
    metricsToken: STACK_METRICS_TOKEN,
    publicUrl,
    twilioAuthToken: options.twilioAuthToken,
    // TEST_LOG_LEVEL=error shows what the API logs while a test runs.
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    env: options.env,
    codecServer: { codec: encryption.codec, namespace: 'default', uiOrigins: [] },
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
  });
  const { port: actualPort } = server.address() as AddressInfo;

  return {
    apiUrl: `http://127.0.0.1:${actualPort}`,
    publicUrl,
    client,
    dataConverter: encryption.dataConverter,
    devServer,
    worker,
    nativeConnection,
    taskQueue,
    spool,
    workerRun: running,
    kpiClosedRuns,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      openProblems.stop();
      await forwarder?.stop();
      await store?.close();
      await guardStore.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await workerStore.close();
      await nativeConnection.close();
      await connection.close();
      if (!options.devServer) await devServer.stop();
    },
  };
}
