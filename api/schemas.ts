/**
 * The schemas that validate requests. `openapi.ts` publishes the same objects, so the document
 * at `/openapi.json` is exactly what the server enforces.
 */
import { z } from 'zod';
import { INCIDENT_STATUSES } from '../domain/incident';
import { SEVERITIES, SEVERITY_WORDS, parseSeverity } from '../domain/severity';

const serviceId = z
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
    severity: severityWord,
    dedupKey: z.string().min(1).max(255).optional(),
    source: z.string().min(1).max(64).default('api'),
    labels: z
      .record(z.string().min(1).max(128), z.string().max(1024))
      .refine((labels) => Object.keys(labels).length <= 64, { message: 'at most 64 labels' })
      .default({}),
    details: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const alertAcceptedSchema = z.object({ incidentId: z.string(), status: z.literal('accepted') });

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
