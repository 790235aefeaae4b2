/**
 * Opsgenie Alert API create-alert bodies (`POST /v2/alerts`, see `api/routes/opsgenieAlerts.ts`),
 * so Alertmanager's `opsgenie_configs` and any Opsgenie client pages Vigil by changing only the
 * URL. The `alias` is the dedup key: a create repeated while its incident is open joins it, and
 * acknowledge/close/notes by alias find it. Values over Opsgenie's documented limits are cut to
 * them, as Opsgenie does (message 130 characters); a missing message or a wrong type is refused,
 * naming the field.
 */
import { z } from 'zod';
import { defaultDedupKey } from '../../domain/alert';
import type { Severity } from '../../domain/severity';
import { freeFormJson, INPUT_LIMITS } from '../http/inputLimits';
import { toServiceId } from './serviceName';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

/** Opsgenie's documented field limits (characters); longer values are truncated, not refused. */
export const OPSGENIE_LIMITS = { message: 130, alias: 512, description: 15000, entity: 512, source: 100, user: 100, note: 25000, tags: 20, tagLength: 50 } as const;

/** Opsgenie priority → Vigil severity (docs/integrations.md); P3 when the body has none, as in Opsgenie. */
export const PRIORITY_SEVERITY: Record<'P1' | 'P2' | 'P3' | 'P4' | 'P5', Severity> = { P1: 'critical', P2: 'error', P3: 'warning', P4: 'info', P5: 'info' };

/** At most this many entries of `details` become labels (the event policy and routing match on them). */
const DETAIL_LABELS = INPUT_LIMITS.labelCount - 8;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const createSchema = z.object({
  message: z.string({ error: 'Message can not be empty.' }).refine((text) => text.trim().length > 0, { message: 'Message can not be empty.' }),
  alias: z.string().optional(),
  description: z.string().optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5'], { error: 'Priority should be one of P1, P2, P3, P4, P5' }).optional(),
  tags: z.array(z.string()).max(1000).optional(),
  details: z.record(z.string(), scalar).optional(),
  entity: z.string().optional(),
  source: z.string().optional(),
  user: z.string().optional(),
  note: z.string().optional(),
  // Opsgenie's routing and UI fields: accepted, and ignored (Vigil's escalation policy decides who is paged).
  responders: z.array(freeFormJson).max(1000).optional(),
  visibleTo: z.array(freeFormJson).max(1000).optional(),
  actions: z.array(z.string()).max(1000).optional(),
});

export type OpsgenieCreate = z.output<typeof createSchema>;

/** The first `limit` characters (code points, not UTF-16 units, so no surrogate is cut in half). */
export function truncate(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : chars.slice(0, limit).join('');
}

/** The body as a create-alert request, fields cut to Opsgenie's limits. Throws AdapterInputError naming the field. */
export function readOpsgenieCreate(body: unknown): OpsgenieCreate {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AdapterInputError('body', 'expected a JSON object (an Opsgenie create-alert request)');
  const result = createSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdapterInputError(['body', ...issue.path].join('.'), issue.message);
  }
  const create = result.data;
  const cut = (value: string | undefined, limit: number) => (value === undefined ? undefined : truncate(value, limit));
  return {
    ...create,
    message: truncate(create.message, OPSGENIE_LIMITS.message),
    alias: cut(create.alias, OPSGENIE_LIMITS.alias) || undefined,
    description: cut(create.description, OPSGENIE_LIMITS.description),
    entity: cut(create.entity, OPSGENIE_LIMITS.entity),
    source: cut(create.source, OPSGENIE_LIMITS.source),
    user: cut(create.user, OPSGENIE_LIMITS.user),
    note: cut(create.note, OPSGENIE_LIMITS.note),
    tags: create.tags?.slice(0, OPSGENIE_LIMITS.tags).map((tag) => truncate(tag, OPSGENIE_LIMITS.tagLength)),
  };
}

/**
 * The create as a firing Vigil alert. Service: the integration's, else `details.service`, else
 * `entity`. Dedup key: the alias; without one, Vigil's default key (same service, message and
 * labels), so an identical create joins the open incident rather than paging again.
 */
export function opsgenieAlert(create: OpsgenieCreate, context: { defaultService?: string }): SourceAlert {
  const detailService = typeof create.details?.service === 'string' ? create.details.service : undefined;
  const service = toServiceId(context.defaultService) ?? toServiceId(detailService) ?? toServiceId(create.entity);
  if (!service) throw new AdapterInputError('body.entity', "no service: set the integration's service, details.service or entity");
  const priority = create.priority ?? 'P3';
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(create.details ?? {}).slice(0, DETAIL_LABELS)) {
    if (name.length > 0 && name.length <= INPUT_LIMITS.labelNameLength) labels[name] = String(value).slice(0, INPUT_LIMITS.labelValueLength);
  }
  labels.priority = priority;
  if (create.entity) labels.entity = create.entity.slice(0, INPUT_LIMITS.labelValueLength);
  if (create.source) labels.source = create.source;
  if (create.tags && create.tags.length > 0) labels.tags = create.tags.join(',');
  return {
    service,
    summary: create.message,
    severity: PRIORITY_SEVERITY[priority],
    dedupKey: create.alias ?? defaultDedupKey(service, create.message, labels),
    source: 'opsgenie',
    labels,
    details: {
      ...(create.description !== undefined ? { description: create.description } : {}),
      ...(create.details !== undefined ? { details: create.details } : {}),
      ...(create.tags !== undefined ? { tags: create.tags } : {}),
      ...(create.user !== undefined ? { user: create.user } : {}),
      ...(create.note !== undefined ? { note: create.note } : {}),
    },
    status: 'firing',
  };
}

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  return [opsgenieAlert(readOpsgenieCreate(body), context)];
}

export const opsgenieAdapter: AlertAdapter = {
  id: 'opsgenie',
  description: 'Opsgenie Alert API create-alert request (POST /v2/alerts)',
  body: createSchema,
  example: {
    message: '[FIRING:1] DiskAlmostFull (checkout db-7.example.test:9100 critical)',
    alias: 'checkout-disk-db-7',
    description: 'Disk on db-7 above 95%',
    priority: 'P2',
    tags: ['prod', 'checkout'],
    details: { service: 'checkout', instance: 'db-7.example.test:9100' },
    entity: 'db-7',
    source: 'alertmanager',
  },
  senderConfig: [
    '# alertmanager.yml: api_url is the root (Alertmanager appends v2/alerts), keep the trailing slash',
    'receivers:',
    '  - name: vigil',
    '    opsgenie_configs:',
    '      - api_url: https://vigil.example.com/',
    '        api_key_file: /etc/alertmanager/vigil-token',
  ].join('\n'),
  parse,
};
