/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`), so any tool that can page PagerDuty (Alertmanager's
 * `pagerduty_configs`, Grafana, Datadog, CloudWatch integrations) pages Vigil by changing only the
 * URL. The routing key is the integration's token; the alertmanager.yml snippet is `senderConfig`
 * below, the route `api/routes/pagerDutyEvents.ts`.
 */
import { z } from 'zod';
import { defaultDedupKey } from '../../domain/alert';
import { parseSeverity, type Severity } from '../../domain/severity';
import { freeFormJson } from '../http/inputLimits';
import { toServiceId } from './serviceName';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

const eventSchema = z.object({
  routing_key: z.string().min(1),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(255).optional(),
  payload: z
    .object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1).max(255),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.string().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: freeFormJson.optional(),
    })
    .optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
  links: z.array(freeFormJson).max(100).optional(),
  images: z.array(freeFormJson).max(100).optional(),
});

const STATUS_OF_ACTION = { trigger: 'firing', acknowledge: 'acknowledged', resolve: 'resolved' } as const;

export type PagerDutyEvent = z.output<typeof eventSchema>;

/** What an acknowledge or resolve without a payload is known by: its trigger, recalled by dedup key. */
export interface RecalledTrigger {
  service: string;
  summary: string;
  severity: Severity;
  labels: Record<string, string>;
}

/** The body as an Events v2 event. Throws AdapterInputError naming the field. */
export function readPagerDutyEvent(body: unknown): PagerDutyEvent {
  const result = eventSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdapterInputError(['body', ...issue.path].join('.'), issue.message);
  }
  const event = result.data;
  if (event.event_action === 'trigger' && !event.payload) throw new AdapterInputError('body.payload', 'a trigger event needs a payload');
  if (event.event_action !== 'trigger' && !event.dedup_key) throw new AdapterInputError('body.dedup_key', `an ${event.event_action} event needs the dedup_key of its trigger`);
  return event;
}

/**
 * The event as a Vigil alert. An acknowledge or resolve takes its trigger's service, summary,
 * severity and labels when `recalled` is given (they carry no payload of their own), so it
 * reaches the incident or recorded event its trigger made.
 */
export function pagerDutyAlert(event: PagerDutyEvent, context: { defaultService?: string; recalled?: RecalledTrigger }): SourceAlert {
  const payload = event.payload;
  const recalled = event.event_action === 'trigger' ? undefined : context.recalled;
  const service = recalled?.service ?? toServiceId(context.defaultService) ?? toServiceId(payload?.component) ?? toServiceId(payload?.source);
  if (!service) throw new AdapterInputError('body.payload.source', 'no service: set the integration\'s service or the payload\'s component');
  const summary = payload?.summary ?? recalled?.summary ?? `${event.event_action} ${event.dedup_key}`;
  const labels: Record<string, string> = { ...recalled?.labels };
  for (const name of ['source', 'component', 'group', 'class'] as const) {
    const value = payload?.[name];
    if (typeof value === 'string') labels[name] = value.slice(0, 1024);
  }
  return {
    service,
    summary,
    severity: (payload ? parseSeverity(payload.severity) : recalled?.severity) ?? ('error' as Severity),
    dedupKey: event.dedup_key ?? defaultDedupKey(service, summary, labels),
    source: 'pagerduty',
    labels,
    details: {
      customDetails: payload?.custom_details,
      client: event.client,
      clientUrl: event.client_url,
      links: event.links,
      images: event.images,
      timestamp: payload?.timestamp,
    },
    status: STATUS_OF_ACTION[event.event_action],
  };
}

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  return [pagerDutyAlert(readPagerDutyEvent(body), context)];
}

export const pagerDutyAdapter: AlertAdapter = {
  id: 'pagerduty',
  description: 'PagerDuty Events API v2 (POST /v2/enqueue)',
  body: eventSchema,
  example: {
    routing_key: '<token>',
    event_action: 'trigger',
    dedup_key: 'datapipe03-disk',
    payload: {
      summary: 'DISK at 99% on machine prod-datapipe03.example.com',
      source: 'prod-datapipe03.example.com',
      severity: 'critical',
      timestamp: '2026-11-20T08:42:58.315+0000',
      component: 'mysql',
      group: 'prod-datapipe',
      class: 'disk',
      custom_details: { 'free space': '1%' },
    },
  },
  senderConfig: [
    '# alertmanager.yml',
    'receivers:',
    '  - name: vigil',
    '    pagerduty_configs:',
    '      - url: https://vigil.example.com/v2/enqueue',
    '        routing_key_file: /etc/alertmanager/vigil-token',
  ].join('\n'),
  parse,
};
