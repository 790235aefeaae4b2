/**
 * The alert list Alertmanager and Grafana's webhook share: labels, annotations, status and a
 * fingerprint per alert. Both adapters map it the same way.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { labelsSchema } from '../http/inputLimits';
import { senderGroupKey } from '../../domain/grouping';
import { parseSeverity } from '../../domain/severity';
import { canonicalJson } from '../intake/alertIdentity';
import { toServiceId } from './serviceName';
import type { SourceAlert } from './types';
import { AdapterInputError } from './types';

const labelMap = z.record(z.string(), z.string());

export const prometheusStyleAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelsSchema,
  annotations: labelMap.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export type PrometheusStyleAlert = z.output<typeof prometheusStyleAlertSchema>;

/** The first zod issue as the error naming its field. */
export function firstIssue(error: z.ZodError): AdapterInputError {
  const issue = error.issues[0];
  return new AdapterInputError(['body', ...issue.path].join('.'), issue.message);
}

/**
 * The alert's identity: the sender's fingerprint, or, from senders that send none (Alertmanager
 * before 0.19, hand-written payloads), one of its label set, which is what Alertmanager's own
 * fingerprint identifies. Never its place in the batch: the next notification lists alerts in
 * another order, and a different alert would join this one's incident.
 */
function fingerprintOf(alert: PrometheusStyleAlert): string {
  if (alert.fingerprint) return alert.fingerprint;
  return `labels-${createHash('sha256').update(canonicalJson(alert.labels)).digest('hex').slice(0, 16)}`;
}

export function mapPrometheusStyleAlerts(
  alerts: PrometheusStyleAlert[],
  options: { source: string; dedupPrefix: string; defaultService?: string; details: Record<string, unknown>; senderGroupKey?: string },
): SourceAlert[] {
  return alerts.map((alert, index) => {
    const service = toServiceId(alert.labels.service) ?? toServiceId(options.defaultService) ?? toServiceId(alert.labels.job);
    if (!service) throw new AdapterInputError(`body.alerts.${index}.labels.service`, 'no service: set a "service" or "job" label, or the integration\'s service');
    const fingerprint = fingerprintOf(alert);
    const summary = alert.annotations.summary ?? alert.annotations.description ?? alert.labels.alertname ?? `${options.source} alert`;
    return {
      service,
      summary: summary.slice(0, 1000),
      severity: parseSeverity(alert.labels.severity ?? '') ?? 'error',
      // The fingerprint identifies the label set: the same alert repeats under it.
      dedupKey: `${options.dedupPrefix}-${fingerprint}`,
      // The sender's alert group is one incident (an integration may turn this off).
      ...(options.senderGroupKey ? { groupKey: senderGroupKey(options.source, options.senderGroupKey) } : {}),
      source: options.source,
      labels: alert.labels,
      details: { annotations: alert.annotations, startsAt: alert.startsAt, generatorURL: alert.generatorURL, ...options.details },
      status: alert.status,
      // One notification of one firing (or its end): a repeat of the same firing keeps startsAt.
      ...(alert.startsAt ? { senderId: JSON.stringify([options.senderGroupKey ?? '', fingerprint, alert.status, alert.startsAt, alert.endsAt ?? '']) } : {}),
    };
  });
}
