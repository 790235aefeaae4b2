/**
 * The HTTP API as an Express app, built from its dependencies and never listening by itself:
 * `api/main.ts` listens, tests run it in-process on port 0.
 */
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { VigilConfig } from '../domain/config';
import { errorHandler, HttpError, notFoundRoute } from './http/httpErrors';
import type { IncidentGateway } from './gateways/incidentGateway';
import type { IncidentChatGateway } from './gateways/chatGateway';
import { createChatInboundHandler, type ChatInboundDeps } from './chat/chatInbound';
import type { ChatRequestGuard } from './chat/chatRequestGuard';
import { parseChatCommand } from '../domain/chat/commands';
import type { ChatInbound } from '../domain/chat/platform';
import { slackChatRoutes, type SlackChatDeps } from './routes/chatSlack';
import { mattermostChatRoutes, type MattermostChatDeps } from './routes/chatMattermost';
import type { ChatRoomDirectory } from './gateways/chatRooms';
import { INPUT_LIMITS, tooDeepField } from './http/inputLimits';
import { createAlertIntake } from './intake/alertIntake';
import type { AlertSpool } from './intake/alertSpool';
import type { ReceiveDeps } from './intake/receive';
import type { AlertGroups } from './records/alertGroups';
import type { ChangeEvents } from './records/changeEvents';
import type { UsedAckLinks } from './records/usedAckLinks';
import type { InboundMessages } from './records/inboundMessages';
import type { AlarmStates } from './records/alarmStates';
import type { IncidentReviews } from './records/incidentReviews';
import type { ApiKeys } from './access/auth';
import type { EventLog } from './records/eventLog';
import type { RequestDigests } from './records/requestDigests';
import type { MaintenanceWindows } from '../platform/maintenanceWindows';
import { eventPolicyOf, groupingRulesOf, schedulesOf } from '../domain/config';
import { createApiMetrics } from './http/metrics';
import { openApiDocument } from './routes/openapi';
import { metricsRoutes } from './routes/metrics';
import { ackLinkRoutes } from './routes/ackLinks';
import { dashboardRoutes } from './routes/dashboard';
import { statusPageRoutes } from './routes/statusPages';
import { alertRoutes } from './routes/alerts';
import { eventRoutes } from './routes/events';
import type { SenderTriggers } from './records/senderTriggers';
import { kpiRoutes } from './routes/kpis';
import { reopenPolicyOf, type KpiSource } from './reporting/kpiReport';
import { scheduleRoutes } from './routes/schedules';
import { maintenanceRoutes } from './routes/maintenance';
import { policyRoutes } from './routes/policies';
import { reviewRoutes } from './routes/reviews';
import { problemRoutes } from './routes/problems';
import type { ProblemGateway } from './gateways/problemGateway';
import { reviewPolicyOf } from '../domain/review';
import { healthRoutes } from './routes/health';
import { incidentRoutes } from './routes/incidents';
import { declaredIncidentRoutes } from './routes/declaredIncidents';
import { integrationRoutes } from './routes/integrations';
import { pagerDutyEventRoutes } from './routes/pagerDutyEvents';
import { opsgenieAlertRoutes } from './routes/opsgenieAlerts';
import { snsRoutes } from './routes/sns';
import { createSnsFetcher, type SnsFetcher } from './sns/snsFetcher';
import { twilioSmsRoutes } from './routes/twilioSms';
import { telnyxSmsRoutes } from './routes/telnyxSms';
import { matrixAppServiceRoutes, type MatrixAppServiceDeps } from './routes/matrixAppService';
import { twilioVoiceRoutes } from './routes/twilioVoice';
import { accessPolicy, v2AccessPolicy } from './access/accessPolicy';
import { isAuthenticationFailure, tooManyFailures, type AuthFailureGuard } from './access/authFailureGuard';
import { clientConcurrency } from './access/clientConcurrency';
import type { StormGuard } from './intake/stormGuard';
import { codecRoutes, type CodecServerOptions } from './routes/codec';
import type { HeartbeatGateway } from './gateways/heartbeatGateway';
import { heartbeatRoutes } from './routes/heartbeats';

export interface AppDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  /** API key → the user it acts as and its role (see docs/roles.md). */
  apiKeys: ApiKeys;
  /** The URL Twilio and responders reach this API at (no trailing slash). */
  publicUrl: string;
  /** Without it the SMS webhook answers 503. */
  twilioAuthToken?: string;
  /** Telnyx's SMS replies: `TELNYX_PUBLIC_KEY` (without it that webhook answers 503), and the API key and URL to answer them. */
  telnyxPublicKey?: string;
  telnyxApiKey?: string;
  telnyxApiUrl?: string;
  logger: Logger;
  /** Where integration tokens are read from (the process environment by default). */
  env?: NodeJS.ProcessEnv;
  /** Fetches SNS certificates and subscription links (the real one by default; tests pass a fake). */
  snsFetcher?: SnsFetcher;
  /** Holds alerts while Temporal is unreachable; without it an outage is a 503. */
  spool?: AlertSpool;
  /** Recorded events (without it, alerts the event policy makes events get a 503). */
  events?: EventLog;
  maintenance?: MaintenanceWindows;
  /** Windows of grouping-rule groups (without it, alerts a grouping rule matches get a 503). */
  groups?: AlertGroups;
  /** Change events (PagerDuty Change Events), shown on incidents as recent changes. */
  changes?: ChangeEvents;
  /** Triggers by sender dedup key, so PagerDuty's bare acknowledge and resolve find their trigger's service. */
  senderTriggers?: SenderTriggers;
  /** Verifies one-click acknowledge links (`VIGIL_LINK_SECRET`, shared with the workers). */
  linkSecret?: string;
  usedAckLinks?: UsedAckLinks;
  /**
   * Twilio MessageSids and SNS MessageIds already taken (SQL store), so a replay acts once on any
   * replica; without it SMS replies and SNS notifications answer 503.
   */
  inboundMessages?: InboundMessages;
  /** Newest state change per CloudWatch alarm (SQL store); without it SNS notifications answer 503. */
  alarmStates?: AlarmStates;
  /** Incident facts for KPIs (Temporal visibility); without it `/v1/kpis` answers 503 and `/metrics` has no KPI gauges. */
  kpis?: KpiSource;
  /** What people wrote in post-incident reviews (without it, filling one in gets a 503). */
  reviews?: IncidentReviews;
  /** Problems (recurring incidents); without it the problem routes answer 503. */
  problems?: ProblemGateway;
  /** Counts failed authentication per client and refuses a client over the limit (none: no limit). */
  authFailures?: AuthFailureGuard;
  /** Folds new incidents beyond an integration's rate into one storm incident (none: no limit). */
  stormGuard?: StormGuard;
  /** `/metrics` on this app needs this Bearer token; without one it is served only by `metricsApp`. */
  metricsToken?: string;
  /**
   * Proxies whose `X-Forwarded-For` names the client (Express "trust proxy" values: addresses,
   * subnets, `loopback`); none by default, so the client is the peer address.
   */
  trustedProxies?: string[];
  /**
   * First sightings of request bodies, so a retried request without a sender identity or an
   * Idempotency-Key counts once within the window (without it, such requests each count).
   */
  requestDigests?: RequestDigests;
  /** That window in seconds (`VIGIL_RETRY_WINDOW_SECONDS`, default 300; 0 turns it off). */
  retryWindowSeconds?: number;
  /** Decodes encrypted history payloads for the Temporal UI and CLI (`/codec/*`); without it they answer 503. */
  codecServer?: CodecServerOptions;
  /** Heartbeats' workflows (pings and the list); without it those routes answer 503. */
  heartbeats?: HeartbeatGateway;
  /** Matrix as an application service (#16): its hs_token, the bot, and the chat handler; without them its route answers 503. */
  matrix?: Omit<MatrixAppServiceDeps, 'logger' | 'inboundMessages'>;
  /** Slack's interactivity and `/vigil` (#16): its signing secret and workspace; without the secret its routes answer 503. */
  slack?: Pick<SlackChatDeps, 'signingSecret' | 'teamId' | 'responseUrlPrefix'>;
  /** Mattermost's `/vigil` and buttons (#16): the command token, the button secret, the server; without them its routes answer 503. */
  mattermost?: Pick<MattermostChatDeps, 'commandToken' | 'actionSecret' | 'mattermostUrl'>;
  /** Incident rooms in chat (#16): which incident a room is for, the dashboard's links (`api/gateways/chatRooms.ts`). */
  chatRooms?: ChatRoomDirectory;
  /** Chat request ids already handled (SQL store); without it every chat request is refused. */
  chatRequests?: ChatRequestGuard;
  /** Incidents' chat workflows: a room on request, archived once the review is completed. */
  chatSide?: IncidentChatGateway;
  /** Chat platforms whose commands mention people by username: how to look up their user ids (Mattermost). */
  chatMentions?: ChatInboundDeps['mentions'];
}

const JSON_LIMIT = INPUT_LIMITS.jsonBodyBytes;

/** Refuses a parsed JSON body that nests too deep, before any route (or JSON.stringify) walks it. */
const boundedJsonDepth: express.RequestHandler = (req, _res, next) => {
  const tooDeep = tooDeepField(req.body);
  next(tooDeep ? new HttpError(400, 'invalid body', [tooDeep]) : undefined);
};

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const kpis = deps.kpis ? { source: deps.kpis, events: deps.events, ...reopenPolicyOf(deps.config) } : undefined;
  const metrics = createApiMetrics({ spoolStats: deps.spool ? () => (deps.spool as AlertSpool).stats() : undefined, kpis });
  const intake = createAlertIntake({ gateway: deps.gateway, spool: deps.spool, onSpooled: (count) => metrics.alertsSpooled.inc(count), logger: deps.logger });
  // Made at the first request for it, not at start: generating it from the zod schemas takes
  // about a third of a second, which a start should not wait for.
  let openApi: ReturnType<typeof openApiDocument> | undefined;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustedProxies && deps.trustedProxies.length > 0 ? deps.trustedProxies : false);
  app.locals.serveMetrics = metrics.serve;
  // The SMTP listener (api/inboundMail/) counts into this app's registry.
  app.locals.countSmtpOutcome = (outcome: string) => metrics.smtpMessages.inc({ outcome });
  app.use(helmet());
  app.use(metrics.observe);
  const clientOf = (req: express.Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  // Only routes that take a credential refuse a blocked client: health, the dashboard's files and
  // public status pages need none, so refusing them would protect nothing.
  app.use(['/v1', '/v2', '/codec', '/metrics'], (req, _res, next) => {
    deps.authFailures?.check(clientOf(req));
    next();
  });
  app.use(clientConcurrency({ concurrent: deps.config.limits.concurrentRequestsPerClient, queued: deps.config.limits.queuedRequestsPerClient }, clientOf));
  // Deny by default: no /v1 route runs, nor is its body read, without the credential it needs.
  app.use('/v1', accessPolicy({ apiKeys: deps.apiKeys, publicReads: deps.config.access.publicReads }));
  app.use('/v2', v2AccessPolicy(deps.apiKeys));

  // JSON routes take JSON only; the Twilio webhook parses its own form body.
  app.use('/v1', (req, _res, next) => {
    const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
    // Webhooks and the acknowledge links' confirm form parse their own form bodies.
    // A heartbeat ping's body (a job's output, say) is never read: any type will do.
    const bodyIgnored = /^\/heartbeats\/[^/]+\/ping/.test(req.path);
    if (hasBody && !bodyIgnored && !req.path.startsWith('/webhooks/') && !req.path.startsWith('/ack/') && !req.is('application/json')) {
      return next(new HttpError(415, 'expected application/json', [{ field: 'content-type', message: `got ${req.get('content-type') ?? 'none'}` }]));
    }
    next();
  });
  // Telnyx signs the exact bytes of its JSON body: its route reads them raw, before the JSON parser.
  app.use(telnyxSmsRoutes(deps));
  // Incidents in chat (#16): each platform's inbound route checks the request its own way (Slack's
  // signature over the raw body, so before the JSON parser) and hands what it verified to one handler.
  const chatInbound = createChatInboundHandler({ config: deps.config, gateway: deps.gateway, intake, requests: deps.chatRequests, rooms: deps.chatRooms, chatSide: deps.chatSide, mentions: deps.chatMentions });
  const handleChat = async (inbound: ChatInbound) => ({ text: (await chatInbound.handle(inbound)).text });
  // The handler claims each request id once (chat_requests), on whatever replica it lands.
  app.use(slackChatRoutes({ ...deps.slack, handle: handleChat, logger: deps.logger }));
  app.use(mattermostChatRoutes({ ...deps.mattermost, handle: handleChat, logger: deps.logger }));
  // Matrix transactions are larger than other JSON bodies, and are read only once the token is checked.
  // Its events act once by the handler's claim alone (decision 76), which also says when one was a replay.
  app.use(matrixAppServiceRoutes({ handle: (inbound) => chatInbound.handle(inbound), parseCommand: parseChatCommand, ...deps.matrix, logger: deps.logger }));
  app.use('/v1', express.json({ limit: JSON_LIMIT, strict: true }), boundedJsonDepth);
  // PagerDuty senders post JSON without always saying so.
  app.use('/v2', express.json({ limit: JSON_LIMIT, strict: true, type: () => true }), boundedJsonDepth);

  app.use(healthRoutes({ gateway: deps.gateway, spool: deps.spool }));
  // Metrics name services and integrations: with a token they may be scraped here, else only on
  // the loopback-bound metrics listener (api/main.ts).
  app.use(metricsRoutes({ metricsToken: deps.metricsToken, serve: metrics.serve }));
  app.get('/openapi.json', (_req, res) => {
    res.json((openApi ??= openApiDocument()));
  });
  const receive: ReceiveDeps = {
    intake,
    policy: eventPolicyOf(deps.config),
    integrations: deps.config.integrations,
    grouping: groupingRulesOf(deps.config),
    groups: deps.groups,
    events: deps.events,
    maintenance: deps.maintenance,
    stormGuard: deps.stormGuard,
    // API keys send as `api:<user>`; one series for all of them keeps the label's values few.
    onAccepted: (_alert, integrationId) => metrics.alertsAccepted.inc({ integration: integrationId.startsWith('api:') ? 'api' : integrationId }),
    onDisposition: (outcome) => metrics.alertOutcomes.inc({ outcome }),
    ids: { digests: deps.requestDigests, bodyWindowSeconds: deps.retryWindowSeconds, logger: deps.logger },
  };
  // The SMTP listener (api/inboundMail/) hands mail to the same pipeline.
  app.locals.receive = receive;
  app.use(alertRoutes({ receive }));
  const integrationDeps = {
    receive,
    config: deps.config,
    env: deps.env ?? process.env,
    onRefused: (integrationId: string) => metrics.integrationAuthFailures.inc({ integration: integrationId }),
    alarmStates: deps.alarmStates,
  };
  app.use(integrationRoutes(integrationDeps));
  app.use(pagerDutyEventRoutes({ ...integrationDeps, changes: deps.changes, triggers: deps.senderTriggers }));
  app.use(opsgenieAlertRoutes({ ...integrationDeps, gateway: deps.gateway, triggers: deps.senderTriggers }));
  app.use(snsRoutes({ ...integrationDeps, fetcher: deps.snsFetcher ?? createSnsFetcher(), logger: deps.logger, inboundMessages: deps.inboundMessages, alarmStates: deps.alarmStates }));
  app.use(declaredIncidentRoutes({ intake, apiKeys: deps.apiKeys, config: deps.config, onAccepted: () => metrics.alertsAccepted.inc({ integration: 'declared' }) }));
  app.use(incidentRoutes({ gateway: deps.gateway, apiKeys: deps.apiKeys, changes: deps.changes, config: deps.config }));
  app.use(scheduleRoutes({ schedules: schedulesOf(deps.config), contacts: deps.config.contacts }));
  app.use(eventRoutes({ events: deps.events }));
  app.use(kpiRoutes({ kpis }));
  app.use(maintenanceRoutes({ maintenance: deps.maintenance, apiKeys: deps.apiKeys }));
  app.use(problemRoutes({ problems: deps.problems, gateway: deps.gateway, apiKeys: deps.apiKeys, config: deps.config }));
  app.use(reviewRoutes({ gateway: deps.gateway, reviews: deps.reviews, policy: reviewPolicyOf(deps.config), apiKeys: deps.apiKeys, chatSide: deps.chatSide, logger: deps.logger }));
  app.use(policyRoutes({ config: deps.config }));
  app.use(twilioSmsRoutes(deps));
  app.use(twilioVoiceRoutes(deps));
  app.use(ackLinkRoutes({ gateway: deps.gateway, linkSecret: deps.linkSecret, usedLinks: deps.usedAckLinks }));
  app.use(dashboardRoutes({ gateway: deps.gateway, config: deps.config, env: deps.env ?? process.env, chatRooms: deps.chatRooms }));
  app.use(statusPageRoutes({ gateway: deps.gateway, config: deps.config }));
  app.use(codecRoutes({ codecServer: deps.codecServer, apiKeys: deps.apiKeys }));
  app.use(heartbeatRoutes({ config: deps.config, env: deps.env ?? process.env, heartbeats: deps.heartbeats }));
  app.use(notFoundRoute);
  // A failed authentication counts against its client; the one that crosses the limit is a 429.
  app.use(async (error: unknown, req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (!deps.authFailures || !isAuthenticationFailure(error, req)) return next(error);
    const retryAfter = await deps.authFailures.recordFailure(clientOf(req)).catch((storeError: unknown) => {
      deps.logger.warn({ err: storeError }, 'could not count a failed authentication');
      return undefined;
    });
    next(retryAfter === undefined ? error : tooManyFailures(retryAfter));
  });
  app.use(errorHandler(deps.logger));
  return app;
}
