/**
 * Grafana unified alerting's webhook contact point (payload `version: "1"`): Alertmanager's
 * alert list plus Grafana's own fields (`orgId`, `title`, `state`, `message`, per-alert
 * `dashboardURL`, `panelURL`, `silenceURL`, `values`, `valueString`), kept as details. Each alert
 * carries its own `status`: a resolved one (top-level `status: "resolved"` when all are) ends the
 * alert of the same fingerprint. Grafana may be set to POST or PUT; both are accepted. Sender config: a contact point of type Webhook with URL
 * `https://vigil.example.com/v1/integrations/<id>` and authorization header credentials
 * `Bearer <token>` (or the token at the end of the URL).
 */
import { z } from 'zod';
import { firstIssue, mapPrometheusStyleAlerts, prometheusStyleAlertSchema } from './prometheusStyle';
import type { AlertAdapter, SourceAlert } from './types';

const payloadSchema = z.object({
  version: z.string(),
  orgId: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z
    .array(
      prometheusStyleAlertSchema.extend({
        dashboardURL: z.string().optional(),
        panelURL: z.string().optional(),
        silenceURL: z.string().optional(),
        // The query results behind the alert (`B=44.2`); null on some resolved notifications.
        values: z.record(z.string(), z.number().nullable()).nullable().optional(),
        valueString: z.string().optional(),
      }),
    )
    .max(1000),
});

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const result = payloadSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const payload = result.data;
  const mapped = mapPrometheusStyleAlerts(payload.alerts, {
    source: 'grafana',
    dedupPrefix: 'grafana',
    defaultService: context.defaultService,
    details: { orgId: payload.orgId, groupKey: payload.groupKey, externalURL: payload.externalURL },
    senderGroupKey: payload.groupKey,
  });
  // Grafana sends "" for links it has not got (an alert rule without a dashboard): left out.
  return mapped.map((alert, index) => {
    const sent = payload.alerts[index];
    return {
      ...alert,
      details: {
        ...alert.details,
        dashboardURL: sent.dashboardURL || undefined,
        panelURL: sent.panelURL || undefined,
        silenceURL: sent.silenceURL || undefined,
        values: sent.values && Object.keys(sent.values).length > 0 ? sent.values : undefined,
        valueString: sent.valueString || undefined,
      },
    };
  });
}

export const grafanaAdapter: AlertAdapter = {
  id: 'grafana',
  description: 'Grafana unified alerting webhook contact point',
  body: payloadSchema,
  example: {
    version: '1',
    orgId: 1,
    status: 'firing',
    receiver: 'vigil',
    groupKey: '{}:{alertname="High memory usage"}',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
        annotations: { description: 'The system has high memory usage' },
        startsAt: '2026-11-24T08:40:00Z',
        fingerprint: 'c6eadffa33fcdf37',
        dashboardURL: 'https://grafana.example.com/d/mem',
        valueString: "[ metric='memory' value=92 ]",
      },
    ],
    title: '[FIRING:1] High memory usage',
    state: 'alerting',
    message: 'The system has high memory usage',
  },
  senderConfig: [
    '# Alerting > Contact points > New contact point, type Webhook (POST or PUT)',
    'URL: https://vigil.example.com/v1/integrations/<integration id>',
    'Authorization header: Bearer <token>   # or the token as the last URL segment',
  ].join('\n'),
  parse,
};
