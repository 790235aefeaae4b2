/**
 * The HTTP API as an Express app, built from its dependencies and never listening by itself:
 * `api/main.ts` listens, tests run it in-process on port 0.
 */
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { VigilConfig } from '../domain/config';
import { errorHandler, HttpError, notFoundRoute } from './httpErrors';
import type { IncidentGateway } from './incidentGateway';
import { INPUT_LIMITS, tooDeepField } from './inputLimits';
import { createAlertIntake } from './intake/alertIntake';
import type { AlertSpool } from './intake/alertSpool';
import type { ReceiveDeps } from './intake/receive';
import type { AlertGroups } from './records/alertGroups';
import type { ChangeEvents } from './records/changeEvents';
import type { UsedAckLinks } from './records/usedAckLinks';
import type { IncidentReviews } from './records/incidentReviews';
import type { ApiKeys } from './auth';
import type { EventLog } from './records/eventLog';
import type { MaintenanceWindows } from './records/maintenanceWindows';
import { eventPolicyOf, groupingRulesOf, schedulesOf } from '../domain/config';
import { createApiMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { ackLinkRoutes } from './routes/ackLinks';
import { dashboardRoutes } from './routes/dashboard';
import { statusPageRoutes } from './routes/statusPages';
import { alertRoutes } from './routes/alerts';
import { eventRoutes } from './routes/events';
import { kpiRoutes } from './routes/kpis';
import { reopenPolicyOf, type KpiSource } from './kpiReport';
import { scheduleRoutes } from './routes/schedules';
import { maintenanceRoutes } from './routes/maintenance';
import { policyRoutes } from './routes/policies';
import { reviewRoutes } from './routes/reviews';
import { problemRoutes } from './routes/problems';
import type { ProblemGateway } from './problemGateway';
import { reviewPolicyOf } from '../domain/review';
import { healthRoutes } from './routes/health';
import { incidentRoutes } from './routes/incidents';
import { integrationRoutes } from './routes/integrations';
import { pagerDutyEventRoutes } from './routes/pagerDutyEvents';
import { snsRoutes } from './routes/sns';
import { createSnsFetcher, type SnsFetcher } from './sns/snsFetcher';
import { twilioSmsRoutes } from './routes/twilioSms';

export interface AppDeps {
  gateway: IncidentGateway;
  config: VigilConfig;
  /** API key → the user it acts as and its role (see docs/roles.md). */
  apiKeys: ApiKeys;
  /** The URL Twilio and responders reach this API at (no trailing slash). */
  publicUrl: string;
  /** Without it the SMS webhook answers 503. */
  twilioAuthToken?: string;
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
  /** Verifies one-click acknowledge links (`VIGIL_LINK_SECRET`, shared with the workers). */
  linkSecret?: string;
  usedAckLinks?: UsedAckLinks;
  /** Incident facts for KPIs (Temporal visibility); without it `/v1/kpis` answers 503 and `/metrics` has no KPI gauges. */
  kpis?: KpiSource;
  /** What people wrote in post-incident reviews (without it, filling one in gets a 503). */
  reviews?: IncidentReviews;
  /** Problems (recurring incidents); without it the problem routes answer 503. */
  problems?: ProblemGateway;
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
  const intake = createAlertIntake({ gateway: deps.gateway, spool: deps.spool, onSpooled: (count) => metrics.alertsSpooled.inc(count) });
  const openApi = openApiDocument();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(metrics.observe);

  // JSON routes take JSON only; the Twilio webhook parses its own form body.
  app.use('/v1', (req, _res, next) => {
    const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
    // Webhooks and the acknowledge links' confirm form parse their own form bodies.
    if (hasBody && !req.path.startsWith('/webhooks/') && !req.path.startsWith('/ack/') && !req.is('application/json')) {
      return next(new HttpError(415, 'expected application/json', [{ field: 'content-type', message: `got ${req.get('content-type') ?? 'none'}` }]));
    }
    next();
  });
  app.use('/v1', express.json({ limit: JSON_LIMIT, strict: true }), boundedJsonDepth);
  // PagerDuty senders post JSON without always saying so.
  app.use('/v2', express.json({ limit: JSON_LIMIT, strict: true, type: () => true }), boundedJsonDepth);

  app.use(healthRoutes({ gateway: deps.gateway, spool: deps.spool }));
  app.get('/metrics', metrics.serve);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  const receive: ReceiveDeps = {
    intake,
    policy: eventPolicyOf(deps.config),
    integrations: deps.config.integrations,
    grouping: groupingRulesOf(deps.config),
    groups: deps.groups,
    events: deps.events,
    maintenance: deps.maintenance,
    onAccepted: (_alert, integrationId) => metrics.alertsAccepted.inc({ integration: integrationId }),
    onDisposition: (outcome) => metrics.alertOutcomes.inc({ outcome }),
  };
  app.use(alertRoutes({ receive }));
  const integrationDeps = {
    receive,
    config: deps.config,
    env: deps.env ?? process.env,
    onRefused: (integrationId: string) => metrics.integrationAuthFailures.inc({ integration: integrationId }),
  };
  app.use(integrationRoutes(integrationDeps));
  app.use(pagerDutyEventRoutes({ ...integrationDeps, changes: deps.changes }));
  app.use(snsRoutes({ ...integrationDeps, fetcher: deps.snsFetcher ?? createSnsFetcher(), logger: deps.logger }));
  app.use(incidentRoutes({ gateway: deps.gateway, apiKeys: deps.apiKeys, changes: deps.changes, config: deps.config }));
  app.use(scheduleRoutes({ schedules: schedulesOf(deps.config), contacts: deps.config.contacts }));
  app.use(eventRoutes({ events: deps.events }));
  app.use(kpiRoutes({ kpis }));
  app.use(maintenanceRoutes({ maintenance: deps.maintenance, apiKeys: deps.apiKeys }));
  app.use(problemRoutes({ problems: deps.problems, gateway: deps.gateway, apiKeys: deps.apiKeys, config: deps.config }));
  app.use(reviewRoutes({ gateway: deps.gateway, reviews: deps.reviews, policy: reviewPolicyOf(deps.config), apiKeys: deps.apiKeys }));
  app.use(policyRoutes({ config: deps.config }));
  app.use(twilioSmsRoutes(deps));
  app.use(ackLinkRoutes({ gateway: deps.gateway, linkSecret: deps.linkSecret, usedLinks: deps.usedAckLinks }));
  app.use(dashboardRoutes({ gateway: deps.gateway, config: deps.config, env: deps.env ?? process.env }));
  app.use(statusPageRoutes({ gateway: deps.gateway, config: deps.config }));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
