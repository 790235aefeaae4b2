/**
 * Prometheus Alertmanager's webhook (`webhook_configs`, payload `version: "4"`). One request is
 * one alert group; firing and resolved alerts may come together. Fields added by newer
 * releases are ignored. The alertmanager.yml snippet is `senderConfig` below.
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
  body: payloadSchema,
  example: {
    version: '4',
    groupKey: '{}:{alertname="ProbeFailure"}',
    status: 'firing',
    receiver: 'vigil',
    externalURL: 'https://alertmanager.example.com',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'ProbeFailure', service: 'checkout', severity: 'critical', instance: 'https://shop.example.com' },
        annotations: { summary: 'Blackbox probe failing for https://shop.example.com' },
        startsAt: '2026-11-24T08:40:00Z',
        fingerprint: '5c4e1a2b3d4f6a7b',
      },
    ],
  },
  senderConfig: [
    'receivers:',
    '  - name: vigil',
    '    webhook_configs:',
    '      - url: https://vigil.example.com/v1/integrations/<integration id>',
    '        http_config: { authorization: { credentials_file: /etc/alertmanager/vigil-token } }',
    '        send_resolved: true',
  ].join('\n'),
  parse,
};
