/**
 * Datadog's webhook integration with its default payload (`$EVENT_MSG`, `$EVENT_TITLE`,
 * `$EVENT_TYPE`, `$ID`, `$DATE`, `$LAST_UPDATED`, org). The transition is read from the title's
 * prefix (`[Triggered]`, `[Warn]`, `[Recovered]`, ...), since the default payload has no field
 * for it; the rest of the title names the monitor and scope, so it is the dedup basis. Sender
 * config: Integrations → Webhooks → URL `https://vigil.example.com/v1/integrations/<id>/<token>`
 * (or a custom header `Authorization: Bearer <token>`), payload left as the default.
 */
import { z } from 'zod';
import { defaultDedupKey } from '../../domain/alert';
import type { Severity } from '../../domain/severity';
import { toServiceId } from './serviceName';
import { firstIssue } from './prometheusStyle';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

const payloadSchema = z.object({
  title: z.string().min(1).max(1000),
  body: z.string().max(100_000).optional(),
  event_type: z.string().optional(),
  id: z.string().optional(),
  date: z.string().optional(),
  last_updated: z.string().optional(),
  org: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
});

const TRANSITIONS: Record<string, { status: SourceAlert['status']; severity: Severity }> = {
  triggered: { status: 'firing', severity: 'critical' },
  're-triggered': { status: 'firing', severity: 'critical' },
  warn: { status: 'firing', severity: 'warning' },
  're-warn': { status: 'firing', severity: 'warning' },
  'no data': { status: 'firing', severity: 'warning' },
  recovered: { status: 'resolved', severity: 'info' },
  'warn recovered': { status: 'resolved', severity: 'info' },
};

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const result = payloadSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const event = result.data;
  const match = /^\[([^\]]+)\]\s*(.*)$/.exec(event.title);
  const transition = TRANSITIONS[match?.[1].toLowerCase() ?? 'triggered'] ?? TRANSITIONS.triggered;
  const monitor = (match ? match[2] : event.title).trim() || event.title;
  const service = toServiceId(context.defaultService);
  if (!service) throw new AdapterInputError('integration.service', 'a datadog integration needs a service in config (the default payload names none)');
  return [
    {
      service,
      summary: monitor.slice(0, 1000),
      severity: transition.severity,
      dedupKey: defaultDedupKey(service, monitor, {}),
      source: 'datadog',
      labels: {},
      details: { body: event.body, eventType: event.event_type, eventId: event.id, date: event.date, org: event.org?.name },
      status: transition.status,
      // $ID names the event; with the transition and $DATE, a re-triggered monitor is a new one.
      ...(event.id ? { senderId: JSON.stringify([event.id, match?.[1] ?? '', event.date ?? '']) } : {}),
    },
  ];
}

export const datadogAdapter: AlertAdapter = {
  id: 'datadog',
  description: 'Datadog webhook with the default payload',
  parse,
};
