/**
 * Grafana unified alerting's webhook contact point (payload `version: "1"`): Alertmanager's
 * alert list plus Grafana's own fields (`orgId`, `title`, `state`, `message`, per-alert
 * `dashboardURL`, `panelURL`, `values`). Sender config: a contact point of type Webhook with URL
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
    .array(prometheusStyleAlertSchema.extend({ dashboardURL: z.string().optional(), panelURL: z.string().optional(), silenceURL: z.string().optional() }))
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
  return mapped.map((alert, index) => ({
    ...alert,
    details: { ...alert.details, dashboardURL: payload.alerts[index].dashboardURL || undefined, panelURL: payload.alerts[index].panelURL || undefined },
  }));
}

export const grafanaAdapter: AlertAdapter = {
  id: 'grafana',
  description: 'Grafana unified alerting webhook contact point',
  parse,
};
