/** The incident list's query and the bodies of a responder's actions on one incident. */
import { z } from 'zod';
import { INCIDENT_STATUSES } from '../../domain/incident';
import { SEVERITIES } from '../../domain/severity';
import { answerTime as isoTime, serviceId, timestamp } from './commonSchemas';

const statusSchema = z.enum(INCIDENT_STATUSES as [string, ...string[]]);
const severitySchema = z.enum(SEVERITIES);

export const incidentListQuerySchema = z
  .object({
    status: statusSchema.optional(),
    service: serviceId.optional(),
    severity: severitySchema.optional(),
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
    severity: severitySchema,
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

/*
 * What the incident reads answer (documented in `/openapi.json`). Loose objects: a field added to
 * the view later is not a break for a client reading these. `test/api/incidentAnswers.test.ts`
 * holds real answers to them, so the document cannot drift from what the API sends.
 */

/** One incident as `GET /v1/incidents` lists it (visibility's facts, no timeline). */
export const incidentSummarySchema = z
  .object({ id: z.string(), code: z.string().describe('short code, for SMS replies'), status: statusSchema, severity: severitySchema, service: z.string(), summary: z.string(), createdAt: isoTime })
  .loose();

export const incidentListAnswerSchema = z.object({ incidents: z.array(incidentSummarySchema).describe('newest first') }).loose();

const roleHolderSchema = z.object({ id: z.string(), name: z.string() }).loose();

/** One incident in full, as `GET /v1/incidents/{id}` answers (domain/incident.ts, IncidentView). */
export const incidentViewSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    workflowId: z.string(),
    status: statusSchema,
    severity: severitySchema,
    service: z.string(),
    summary: z.string(),
    dedupKey: z.string(),
    groupKey: z.string().optional(),
    source: z.string(),
    labels: z.record(z.string(), z.string()),
    alertCount: z.number().int(),
    createdAt: isoTime,
    lastAlertAt: isoTime,
    acknowledgedAt: isoTime.optional(),
    acknowledgedBy: z.string().optional(),
    resolvedAt: isoTime.optional(),
    resolvedBy: z.string().optional(),
    declaredBy: z.string().optional(),
    escalation: z
      .object({ policyId: z.string().optional(), level: z.number().int().describe('1-based level last notified; 0 before any page'), cycle: z.number().int(), nextLevelAt: isoTime.optional(), exhausted: z.boolean() })
      .loose(),
    runbook: z.object({ id: z.string(), steps: z.array(z.object({ step: z.enum(['diagnose', 'remediate', 'verify']), ok: z.boolean(), summary: z.string(), at: isoTime }).loose()) }).loose().optional(),
    paged: z.array(z.object({ responderId: z.string(), name: z.string(), channel: z.string(), level: z.number().int(), cycle: z.number().int(), at: isoTime, outcome: z.string() }).loose()),
    alerts: z
      .array(z.object({ dedupKey: z.string(), summary: z.string(), severity: severitySchema, status: z.enum(['firing', 'resolved']), count: z.number().int(), firstAt: isoTime, lastAt: isoTime }).loose())
      .optional(),
    alertsUnlisted: z.number().int().optional(),
    updates: z.array(z.object({ at: isoTime, by: z.string(), text: z.string(), eta: isoTime.optional() }).loose()).optional(),
    roles: z
      .object({ commander: roleHolderSchema.optional(), communicationsLead: roleHolderSchema.optional(), scribe: roleHolderSchema.optional(), responders: z.array(roleHolderSchema).optional() })
      .loose()
      .optional(),
    problem: z.object({ id: z.string(), title: z.string(), workaround: z.string().optional() }).loose().optional(),
    timeline: z.array(z.object({ at: isoTime, kind: z.string(), text: z.string(), by: z.string().optional() }).loose()),
    timelineTruncated: z.number().int(),
    recentChanges: z.array(z.object({}).loose()).optional().describe("the service's change events around the incident (deploys, config pushes)"),
    recentChangesUnavailable: z.boolean().optional(),
  })
  .loose();
