/**
 * The schemas that validate requests. `openapi.ts` publishes the same objects, so the document
 * at `/openapi.json` is exactly what the server enforces.
 */
import { z } from 'zod';
import { isValidLabelPattern } from '../../domain/classification';
import { LABEL_PATTERN_RULE } from '../../domain/labelPattern';
import { INCIDENT_STATUSES } from '../../domain/incident';
import { detailsSchema, labelsSchema } from '../http/inputLimits';
import { SEVERITIES, SEVERITY_WORDS, parseSeverity } from '../../domain/severity';

export const serviceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63');

const severityWord = z
  .string()
  .refine((word) => parseSeverity(word) !== undefined, { message: `one of ${SEVERITY_WORDS.join(', ')}` })
  .describe(`severity: ${SEVERITIES.join(', ')} (aliases such as sev1, p2, warn are mapped)`);

export const alertBodySchema = z
  .object({
    service: serviceId,
    summary: z.string().trim().min(1).max(1000),
    severity: severityWord.optional().describe('required while firing; a resolved alert may leave it out'),
    status: z
      .enum(['firing', 'resolved'])
      .default('firing')
      .describe('firing opens or joins the incident of the dedup key; resolved tells that open incident the alert is over'),
    dedupKey: z.string().min(1).max(255).optional(),
    source: z.string().min(1).max(64).default('api'),
    labels: labelsSchema.default({}),
    details: detailsSchema.default({}),
  })
  .strict()
  .refine((alert) => alert.status === 'resolved' || alert.severity !== undefined, { message: 'a firing alert needs a severity', path: ['severity'] });

/** What became of a submitted alert (each a 202: the alert is held either way). */
export const alertAcceptedSchema = z.union([
  z.object({ incidentId: z.string(), status: z.literal('accepted') }).describe('opened or joined this incident'),
  z.object({ alertId: z.string(), status: z.literal('spooled') }).describe('Temporal is down: held in the spool, the incident opens when it drains'),
  z.object({ alertId: z.string(), eventId: z.string(), status: z.enum(['event', 'suppressed']) }).describe('recorded, nobody paged (event policy or maintenance window)'),
  z.object({ alertId: z.string(), status: z.literal('dropped') }).describe('dropped by the event policy'),
  z
    .object({ alertId: z.string(), status: z.literal('resolved'), incidentUpdated: z.boolean(), spooled: z.boolean() })
    .describe('a resolved alert: told the open incident of its key (incidentUpdated false when none was open, or while spooled)'),
]);

export const eventRecordSchema = z.object({
  id: z.string(),
  receivedAt: z.string(),
  service: z.string(),
  dedupKey: z.string(),
  source: z.string(),
  severity: z.string(),
  summary: z.string(),
  labels: z.record(z.string(), z.string()),
  status: z.enum(['firing', 'resolved']),
  disposition: z.enum(['event', 'suppressed', 'promoted']),
  reason: z.string(),
  rule: z.string().optional(),
  maintenanceId: z.string().optional(),
});

export const maintenanceWindowSchema = z.object({
  id: z.string(),
  service: z.string().optional(),
  matchers: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const incidentListQuerySchema = z
  .object({
    status: z.enum(INCIDENT_STATUSES as [string, ...string[]]).optional(),
    service: serviceId.optional(),
    severity: z.enum(SEVERITIES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const ackBodySchema = z.object({}).strict();

export const resolveBodySchema = z.object({ note: z.string().max(2000).optional() }).strict();

export const errorSchema = z.object({
  error: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string() })),
});

export const timestamp = z.iso
  .datetime({ offset: true })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'a time between the years 2000 and 2100')
  .describe('ISO-8601 date-time with offset, e.g. 2026-11-25T14:00:00Z');

export const eventListQuerySchema = z
  .object({
    service: serviceId.optional(),
    dedupKey: z.string().min(1).max(255).optional(),
    disposition: z.enum(['event', 'suppressed', 'promoted']).optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Label matchers of a maintenance window: exact value, `*` (present), or `/regex/`. */
const labelMatchers = z
  .record(z.string().min(1).max(128), z.string().min(1).max(256).refine(isValidLabelPattern, LABEL_PATTERN_RULE))
  .refine((labels) => Object.keys(labels).length <= 32, { message: 'at most 32 matchers' });

/** At most a year: a forgotten window must not silence a service for good. */
const MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

export const maintenanceBodySchema = z
  .object({
    service: serviceId.optional(),
    matchers: labelMatchers.default({}),
    startsAt: timestamp.optional().describe('default: now'),
    endsAt: timestamp,
    reason: z.string().trim().min(1).max(500),
  })
  .strict()
  .refine((body) => body.service !== undefined || Object.keys(body.matchers).length > 0, {
    message: 'name a service or at least one label matcher: a window over everything would silence all paging',
    path: ['service'],
  })
  .refine((body) => Date.parse(body.endsAt) > (body.startsAt ? Date.parse(body.startsAt) : Date.now()), { message: 'must be after startsAt (and in the future)', path: ['endsAt'] })
  .refine((body) => Date.parse(body.endsAt) - (body.startsAt ? Date.parse(body.startsAt) : Date.now()) <= MAX_WINDOW_MS, {
    message: 'a window may last at most 366 days',
    path: ['endsAt'],
  });

export const maintenanceListQuerySchema = z.object({ includeEnded: z.enum(['true', 'false']).default('false') }).strict();

export const escalateBodySchema = z.object({}).strict();

export const reassignBodySchema = z
  .object({
    to: z.string().regex(/^(user|policy):[a-z0-9][a-z0-9._-]{0,62}$/, 'user:<contact id> or policy:<escalation policy id>'),
  })
  .strict();

export const statusUpdateBodySchema = z
  .object({
    text: z.string().trim().min(1).max(2000),
    eta: timestamp.optional().describe('expected resolution time'),
  })
  .strict();
