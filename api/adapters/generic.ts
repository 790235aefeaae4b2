/**
 * Vigil's own JSON format (the body of `POST /v1/alerts`), for senders that can shape their
 * payload: scripts, cron jobs, tools with a templated webhook.
 */
import { defaultDedupKey } from '../../domain/alert';
import { parseSeverity, type Severity } from '../../domain/severity';
import { alertBodySchema } from '../routes/alertSchemas';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const withService = body && typeof body === 'object' && !Array.isArray(body) && context.defaultService ? { service: context.defaultService, ...body } : body;
  const result = alertBodySchema.safeParse(withService);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdapterInputError(['body', ...issue.path].join('.'), issue.message);
  }
  const alert = result.data;
  return [
    {
      service: alert.service,
      summary: alert.summary,
      // A resolved alert may leave its severity out: it only ends what fired.
      severity: (alert.severity === undefined ? 'info' : parseSeverity(alert.severity)) as Severity,
      dedupKey: alert.dedupKey ?? defaultDedupKey(alert.service, alert.summary, alert.labels),
      source: alert.source,
      labels: alert.labels,
      details: alert.details,
      status: alert.status,
    },
  ];
}

export const genericAdapter: AlertAdapter = {
  id: 'generic',
  description: "Vigil's JSON alert format",
  body: alertBodySchema,
  example: { service: 'billing', summary: 'nightly invoice run failed', severity: 'sev2', dedupKey: 'invoice-run', labels: { job: 'invoices' } },
  senderConfig: [
    'curl -XPOST https://vigil.example.com/v1/integrations/<integration id> \\',
    "  -H 'Authorization: Bearer <token>' -H 'content-type: application/json' \\",
    '  -d \'{"summary": "nightly invoice run failed", "severity": "error", "dedupKey": "invoice-run"}\'',
  ].join('\n'),
  parse,
};
