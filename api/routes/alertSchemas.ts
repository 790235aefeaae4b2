/** The body of `POST /v1/alerts` (and of the `generic` integration) and what the route answers. */
import { z } from 'zod';
import { SEVERITIES, SEVERITY_WORDS, parseSeverity } from '../../domain/severity';
import { detailsSchema, labelsSchema } from '../http/inputLimits';
import { serviceId } from './commonSchemas';

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
