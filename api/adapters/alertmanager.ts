/**
 * Prometheus Alertmanager's webhook (`webhook_configs`, payload `version: "4"`). One request is
 * one alert group; firing and resolved alerts may come together. Fields added by newer
 * releases are ignored. Sender config to paste into alertmanager.yml:
 *
 *   receivers:
 *     - name: vigil
 *       webhook_configs:
 *         - url: https://vigil.example.com/v1/integrations/<integration id>
 *           http_config: { authorization: { credentials_file: /etc/alertmanager/vigil-token } }
 *           send_resolved: true
 */
import { z } from 'zod';
import { firstIssue, mapPrometheusStyleAlerts, prometheusStyleAlertSchema } from './prometheusStyle';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

const payloadSchema = z.object({
  version: z.string(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  externalURL: z.string().optional(),
  alerts: z.array(prometheusStyleAlertSchema).max(1000),
});

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const result = payloadSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const payload = result.data;
  if (payload.version !== '4') throw new AdapterInputError('body.version', `unsupported Alertmanager payload version "${payload.version}" (expected "4")`);
  return mapPrometheusStyleAlerts(payload.alerts, {
    source: 'alertmanager',
    dedupPrefix: 'am',
    defaultService: context.defaultService,
    details: { groupKey: payload.groupKey, externalURL: payload.externalURL },
    senderGroupKey: payload.groupKey,
  });
}

export const alertmanagerAdapter: AlertAdapter = {
  id: 'alertmanager',
  description: 'Prometheus Alertmanager webhook (version 4)',
  parse,
  example: {
    context: {},
    payload: {
      receiver: 'vigil',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ProbeFailure', instance: 'https://shop.example.org', job: 'http_checks', service: 'checkout', severity: 'critical' },
          annotations: { summary: 'Blackbox probe failing for https://shop.example.org', description: 'down for over 5m' },
          startsAt: '2026-11-20T13:08:45.828Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0',
          fingerprint: '1a30ba71cca2921f',
        },
        {
          status: 'resolved',
          labels: { alertname: 'HighLatency', job: 'api', severity: 'warning' },
          annotations: { description: 'p99 above 2s' },
          startsAt: '2026-11-20T12:00:00Z',
          endsAt: '2026-11-20T13:00:00Z',
          fingerprint: '9c1b2e8f00aa31d4',
        },
      ],
      groupLabels: { alertname: 'ProbeFailure' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example.org:9093',
      version: '4',
      groupKey: '{}:{alertname="ProbeFailure"}',
      truncatedAlerts: 0,
    },
    expected: [
      {
        service: 'checkout',
        summary: 'Blackbox probe failing for https://shop.example.org',
        severity: 'critical',
        dedupKey: 'am-1a30ba71cca2921f',
        groupKey: 'alertmanager-group-1PK4J412KYV2XG',
        source: 'alertmanager',
        labels: { alertname: 'ProbeFailure', instance: 'https://shop.example.org', job: 'http_checks', service: 'checkout', severity: 'critical' },
        details: {
          annotations: { summary: 'Blackbox probe failing for https://shop.example.org', description: 'down for over 5m' },
          startsAt: '2026-11-20T13:08:45.828Z',
          generatorURL: 'http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0',
          groupKey: '{}:{alertname="ProbeFailure"}',
          externalURL: 'http://alertmanager.example.org:9093',
        },
        status: 'firing',
      },
      {
        service: 'api',
        summary: 'p99 above 2s',
        severity: 'warning',
        dedupKey: 'am-9c1b2e8f00aa31d4',
        groupKey: 'alertmanager-group-1PK4J412KYV2XG',
        source: 'alertmanager',
        labels: { alertname: 'HighLatency', job: 'api', severity: 'warning' },
        details: {
          annotations: { description: 'p99 above 2s' },
          startsAt: '2026-11-20T12:00:00Z',
          generatorURL: undefined,
          groupKey: '{}:{alertname="ProbeFailure"}',
          externalURL: 'http://alertmanager.example.org:9093',
        },
        status: 'resolved',
      },
    ],
  },
};
