/** The incident list's query and the bodies of a responder's actions on one incident. */
import { z } from 'zod';
import { INCIDENT_STATUSES } from '../../domain/incident';
import { SEVERITIES } from '../../domain/severity';
import { serviceId, timestamp } from './commonSchemas';

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

/**
 * The answer to an acknowledge (docs/decisions.md, "losing acks"): the incident, and whether it was
 * acknowledged before this call. 200 either way: the incident is acknowledged, as asked.
 */
export const acknowledgeAnswerSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    status: z.enum(['acknowledged']),
    acknowledgedBy: z.string().describe('who holds the acknowledgement: this caller, or whoever won'),
    acknowledgedAt: z.string().describe('when it was acknowledged (ISO-8601)'),
    alreadyAcknowledged: z.boolean().describe('true when the incident was acknowledged before this call (another responder, a replica, an SMS, or this caller retrying)'),
  })
  .loose();
