import type { RequestHandler } from 'express';
import { routePattern } from './httpErrors';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SpoolStats } from '../intake/alertSpool';
import { registerKpiMetrics } from '../reporting/kpiMetrics';
import type { KpiReportDeps } from '../reporting/kpiReport';

/** Metrics of one app, in a registry of its own so several apps in one process never clash. */
export function createApiMetrics(options: { spoolStats?: () => Promise<SpoolStats>; kpis?: KpiReportDeps } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_api_' });
  // KPI gauges, computed from Temporal visibility and the event log when scraped (api/reporting/kpiMetrics.ts).
  if (options.kpis) registerKpiMetrics(registry, options.kpis);
  const requests = new Counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const alertsAccepted = new Counter({
    name: 'vigil_alerts_accepted_total',
    // By integration id (config keys, or `api`): a sender chooses its alerts' `source`, and each
    // distinct label value would be one more series kept for good.
    help: 'Alerts durably held (by Temporal or the spool), by integration',
    labelNames: ['integration'],
    registers: [registry],
  });

  const integrationAuthFailures = new Counter({
    name: 'vigil_integration_auth_failures_total',
    help: 'Integration requests refused for a missing or wrong token',
    labelNames: ['integration'],
    registers: [registry],
  });

  const alertOutcomes = new Counter({
    name: 'vigil_alert_outcomes_total',
    help: 'Alerts received, by what became of them: incident, event, suppressed (maintenance), dropped, resolve, acknowledge',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Inbound mail (api/inboundMail/) has no HTTP status to count by: what each message or recipient met.
  const smtpMessages = new Counter({
    name: 'vigil_smtp_messages_total',
    help: 'Inbound mail by outcome: held, rate_limited, unknown_recipient, blocked, too_large, unreadable, not_held',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const alertsSpooled = new Counter({
    name: 'vigil_alerts_spooled_total',
    help: 'Alerts (and resolve/acknowledge notices) written to the spool while Temporal was unreachable',
    registers: [registry],
  });
  const { spoolStats } = options;
  if (spoolStats) {
    // Read from the store at scrape time, so every replica reports the shared spool as it is.
    const gauge = (name: string, help: string, pick: (stats: SpoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(pick(await spoolStats()));
        },
      });
    gauge('vigil_spool_depth', 'Items waiting in the spool for Temporal', (stats) => stats.depth);
    gauge('vigil_spool_oldest_age_seconds', 'Age of the oldest item waiting in the spool', (stats) => stats.oldestAgeSeconds);
    gauge('vigil_spool_failed', 'Spooled items set aside after repeated non-outage failures', (stats) => stats.failed);
  }

  /** Counts every answer; the route is the pattern (never the raw path, which holds ids). */
  const observe: RequestHandler = (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      const route = routePattern(req);
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  };

  const serve: RequestHandler = async (_req, res) => {
    res.set('content-type', registry.contentType).send(await registry.metrics());
  };

  return { registry, observe, serve, alertsAccepted, integrationAuthFailures, alertsSpooled, alertOutcomes, smtpMessages };
}
