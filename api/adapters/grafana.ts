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
  example: {
    context: { defaultService: 'platform' },
    payload: {
      receiver: 'vigil',
      status: 'firing',
      orgId: 1,
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
          annotations: { description: 'The system has high memory usage', runbook_url: 'https://runbooks.example.com/1234', summary: 'This alert was triggered for zone us-1' },
          startsAt: '2026-11-12T09:51:03.157076+02:00',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana.example.com/alerting/1afz29v7z/edit',
          fingerprint: 'c6eadffa33fcdf37',
          silenceURL: 'https://grafana.example.com/alerting/silence/new',
          dashboardURL: '',
          panelURL: '',
          values: { B: 44.23943737541908, C: 1 },
        },
      ],
      groupLabels: {},
      commonLabels: { team: 'blue' },
      commonAnnotations: {},
      externalURL: 'https://grafana.example.com/',
      version: '1',
      groupKey: '{}:{}',
      truncatedAlerts: 0,
      title: '[FIRING:1]  (blue)',
      state: 'alerting',
      message: '**Firing**\n\nValue: B=44.2, C=1',
    },
    expected: [
      {
        service: 'platform',
        summary: 'This alert was triggered for zone us-1',
        severity: 'error',
        dedupKey: 'grafana-c6eadffa33fcdf37',
        groupKey: 'grafana-group-3D2RRVD2VMQXH8',
        source: 'grafana',
        labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
        details: {
          annotations: { description: 'The system has high memory usage', runbook_url: 'https://runbooks.example.com/1234', summary: 'This alert was triggered for zone us-1' },
          startsAt: '2026-11-12T09:51:03.157076+02:00',
          generatorURL: 'https://grafana.example.com/alerting/1afz29v7z/edit',
          orgId: 1,
          groupKey: '{}:{}',
          externalURL: 'https://grafana.example.com/',
          dashboardURL: undefined,
          panelURL: undefined,
        },
        status: 'firing',
      },
    ],
  },
};
