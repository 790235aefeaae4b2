/**
 * Datadog's Webhooks integration, with its default payload (`body`, `title`, `event_type`, `id`,
 * `date`, `last_updated`, `org`) or the recommended custom payload of `docs/integrations.md`
 * (adds `alert_id`, `alert_transition`, `alert_scope`, `alert_priority`, `tags`, `link`, ...).
 *
 * Transition: `alert_transition` when the payload has it, else any of the title's leading
 * bracket tags (`[P2] [Triggered on {host:a}] …`). Pairing: by monitor id and group (the alert's
 * scope), never by title: a recovery's title differs when template variables are empty on
 * recovery. The default payload has no monitor id field, so it is read from the monitor link
 * Datadog puts in the event text (`/monitors/<id>`), and the group from the title's `on {…}`.
 */
import { z } from 'zod';
import { defaultDedupKey } from '../../domain/alert';
import type { Severity } from '../../domain/severity';
import { ownLookup } from '../../domain/ownLookup';
import { toServiceId } from './serviceName';
import { firstIssue } from './prometheusStyle';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

/** Datadog fills a variable it has no value for with "": absent, like a missing field. */
const variable = z
  .union([z.string().max(10_000), z.number()])
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : String(value)));

const payloadSchema = z.object({
  title: z.string().min(1).max(1000),
  body: z.string().max(100_000).optional(),
  event_type: variable,
  id: variable,
  date: variable,
  last_updated: variable,
  org: z.object({ id: variable, name: variable }).optional(),
  // The recommended custom payload's fields (Datadog variables $ALERT_ID, $ALERT_TRANSITION, ...).
  alert_id: variable,
  alert_transition: variable,
  alert_scope: variable,
  alert_priority: variable,
  alert_status: variable,
  alert_metric: variable,
  alert_query: variable,
  alert_type: variable,
  alert_cycle_key: variable,
  aggreg_key: variable,
  hostname: variable,
  link: variable,
  tags: variable,
});

type Transition = { status: SourceAlert['status']; severity: Severity };

/** Datadog's transition names ($ALERT_TRANSITION values and title tags), lower case. */
const TRANSITIONS: Record<string, Transition> = {
  triggered: { status: 'firing', severity: 'critical' },
  're-triggered': { status: 'firing', severity: 'critical' },
  renotify: { status: 'firing', severity: 'critical' },
  warn: { status: 'firing', severity: 'warning' },
  're-warn': { status: 'firing', severity: 'warning' },
  'no data': { status: 'firing', severity: 'warning' },
  're-no data': { status: 'firing', severity: 'warning' },
  recovered: { status: 'resolved', severity: 'info' },
  'warn recovered': { status: 'resolved', severity: 'info' },
  resolved: { status: 'resolved', severity: 'info' },
};

/** Monitor priority → Vigil severity (documented in docs/integrations.md). */
export const DATADOG_PRIORITY_SEVERITY: Record<string, Severity> = { p1: 'critical', p2: 'error', p3: 'warning', p4: 'info', p5: 'info' };

const SEVERITY_ORDER: Severity[] = ['critical', 'error', 'warning', 'info'];

/** The title's leading `[...]` tags and the text after them. */
function leadingTags(title: string): { tags: string[]; rest: string } {
  const tags: string[] = [];
  let rest = title.trimStart();
  for (let match = /^\[([^\]]*)\]\s*/.exec(rest); match; match = /^\[([^\]]*)\]\s*/.exec(rest)) {
    tags.push(match[1].trim());
    rest = rest.slice(match[0].length);
  }
  return { tags, rest: rest.trim() };
}

/** `Triggered on {host:a,env:b}` → transition word and group. */
function splitTag(tag: string): { word: string; group?: string } {
  const match = /^(.*?)\s+on\s+\{(.*)\}$/i.exec(tag);
  return match ? { word: match[1].trim().toLowerCase(), group: match[2] } : { word: tag.toLowerCase() };
}

/** A scope as one canonical string: tags trimmed, sorted, so "b:2, a:1" pairs with "a:1,b:2". */
function canonicalScope(scope: string | undefined): string | undefined {
  if (!scope) return undefined;
  const tags = scope
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean)
    .sort();
  return tags.length > 0 ? tags.join(',') : undefined;
}

/** `env:prod, team:web, beta` → labels `env`, `team`, and `tags` for the bare ones. */
function tagLabels(tags: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  const bare: string[] = [];
  for (const tag of (tags ?? '').split(',').map((entry) => entry.trim()).filter(Boolean).slice(0, 50)) {
    const colon = tag.indexOf(':');
    if (colon > 0) labels[tag.slice(0, colon).slice(0, 128)] ??= tag.slice(colon + 1).slice(0, 1024);
    else bare.push(tag);
  }
  if (bare.length > 0) labels.tags = bare.join(',').slice(0, 1024);
  return labels;
}

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const result = payloadSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const event = result.data;
  const { tags: titleTags, rest } = leadingTags(event.title);

  let transition: Transition | undefined;
  let priority = event.alert_priority?.toLowerCase();
  let titleGroup: string | undefined;
  for (const tag of titleTags) {
    const { word, group } = splitTag(tag);
    const named = ownLookup(TRANSITIONS, word);
    if (named && !transition) {
      transition = named;
      titleGroup = group;
    } else if (/^p[1-5]$/.test(word)) priority ??= word;
  }
  // The payload's own field wins over the title; `event_type` carries it only in custom templates.
  const named = [event.alert_transition, event.event_type].map((word) => word?.toLowerCase()).find((word) => word !== undefined && Object.hasOwn(TRANSITIONS, word));
  transition = (named ? ownLookup(TRANSITIONS, named) : undefined) ?? transition ?? TRANSITIONS.triggered;

  const monitorId = event.alert_id ?? /\/monitors(?:\/|#)(\d+)/.exec(event.body ?? '')?.[1] ?? /\/monitors(?:\/|#)(\d+)/.exec(event.link ?? '')?.[1];
  const group = canonicalScope(event.alert_scope) ?? canonicalScope(titleGroup);
  const labels: Record<string, string> = tagLabels(event.tags);
  if (monitorId) labels.monitor_id = monitorId;
  if (group) labels.scope = group.slice(0, 1024);
  const fromPriority = priority === undefined ? undefined : ownLookup(DATADOG_PRIORITY_SEVERITY, priority);
  if (fromPriority) labels.priority = (priority as string).toUpperCase();

  const service = toServiceId(context.defaultService) ?? toServiceId(labels.service);
  if (!service) throw new AdapterInputError('integration.service', 'no service: set the integration\'s service, or send a "service:<name>" tag in the payload\'s tags');

  const summary = (rest || event.title).slice(0, 1000);
  let severity = transition.severity;
  if (transition.status === 'firing' && fromPriority) {
    // A Warn or No Data notification stays at most a warning, whatever the monitor's priority.
    severity = SEVERITY_ORDER.indexOf(fromPriority) < SEVERITY_ORDER.indexOf(transition.severity) ? transition.severity : fromPriority;
  }
  // The monitor and its group name the alert across its transitions; the title does not.
  const dedupKey = monitorId ? `dd-${monitorId}${group ? `-${group}` : ''}`.slice(0, 255) : defaultDedupKey(service, rest || event.title, {});

  return [
    {
      service,
      summary,
      severity,
      dedupKey,
      source: 'datadog',
      labels,
      details: {
        body: event.body?.slice(0, 4000),
        link: event.link,
        transition: event.alert_transition,
        alertStatus: event.alert_status,
        metric: event.alert_metric,
        query: event.alert_query,
        hostname: event.hostname,
        eventType: event.event_type,
        eventId: event.id,
        alertCycleKey: event.alert_cycle_key,
        date: event.date,
        org: event.org?.name,
      },
      status: transition.status,
      // $ID names the event; with the transition and $DATE, a re-triggered monitor is a new one.
      ...(event.id ? { senderId: JSON.stringify([event.id, transition.status, event.date ?? '']) } : {}),
    },
  ];
}

export const datadogAdapter: AlertAdapter = {
  id: 'datadog',
  description: 'Datadog webhook (default payload or the recommended custom payload)',
  body: payloadSchema,
  example: {
    title: '[Triggered on {host:web-3}] High CPU on web-3',
    body: 'CPU usage above 90% on host:web-3 https://app.datadoghq.com/monitors/4242',
    event_type: 'query_alert_monitor',
    alert_id: '4242',
    alert_transition: 'Triggered',
    alert_scope: 'host:web-3',
    alert_priority: 'P2',
    tags: 'service:web,env:prod',
    date: '1732437600000',
    org: { id: '12345', name: 'Example Org' },
  },
  senderConfig: [
    '# Integrations > Webhooks: a webhook named vigil, then @webhook-vigil in monitor messages',
    'URL: https://vigil.example.com/v1/integrations/<integration id>/<token>',
    'Payload: the custom payload of docs/integrations.md ("Datadog")',
  ].join('\n'),
  parse,
};
