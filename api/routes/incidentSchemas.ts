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

/** A contact's id from config (`contacts.<id>`). */
const contactId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a contact id from config');

/** `POST /v1/incidents`: an incident declared by hand (docs/escalation.md, "Declaring an incident by hand"). */
export const declareBodySchema = z
  .object({
    service: serviceId.describe('a service configured in vigil.config.ts'),
    severity: z.enum(SEVERITIES),
    summary: z.string().trim().min(1).max(1000),
    commander: contactId.optional().describe('who leads it: a contact id; they get the update reminders'),
    page: z.boolean().default(true).describe('false: the incident opens with its runbook, timeline and update cadence, and pages nobody'),
  })
  .strict();

/** The answer to a declaration: the incident's id and where to read it. */
export const declaredAnswerSchema = z.object({
  incidentId: z.string(),
  url: z.string().describe('the incident in the API'),
  status: z.enum(['declared']),
});

/**
 * `PUT /v1/incidents/{id}/roles`: the roles to set (docs/incident-roles.md); roles left out stay
 * as they are, `null` leaves a role to nobody, `responders` replaces the whole list.
 */
export const rolesBodySchema = z
  .object({
    commander: contactId.nullable().optional(),
    communicationsLead: contactId.nullable().optional(),
    scribe: contactId.nullable().optional(),
    responders: z.array(contactId).max(50).optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'name at least one role: commander, communicationsLead, scribe or responders');
