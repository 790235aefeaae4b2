import { Router } from 'express';
import type { IncidentStatus, IncidentView, TimelineEntry } from '../../domain/incident';
import type { ChangeEvents } from '../records/changeEvents';
import type { Severity } from '../../domain/severity';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { responderOf, snapshotPolicy, type VigilConfig } from '../../domain/config';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import {
  acknowledgeAnswerSchema,
  ackBodySchema,
  escalateBodySchema,
  incidentListAnswerSchema,
  incidentListQuerySchema,
  incidentViewSchema,
  reassignBodySchema,
  resolveBodySchema,
  rolesBodySchema,
  statusUpdateBodySchema,
} from './incidentSchemas';
import { roleChangesOf } from './roleAssignments';
import { apiKeySecurity, errorAnswers, idParam, json, queryParameters, unavailable, writeRefusals, type ResourceRoutes } from './operationParts';

/** Listing, reading, acknowledging and resolving incidents. */
/** How far before an incident a change still counts as one of its "recent changes". */
const CHANGE_LOOKBACK_MS = 60 * 60 * 1000;

/**
 * The incident with the changes of its service from an hour before it opened until it resolved,
 * listed and placed on its timeline in time order: "what changed?" answered on the page.
 */
async function withRecentChanges(incident: IncidentView, changes: ChangeEvents | undefined) {
  if (!changes) return incident;
  const from = new Date(Date.parse(incident.createdAt) - CHANGE_LOOKBACK_MS);
  const to = new Date((incident.resolvedAt ? Date.parse(incident.resolvedAt) : Date.now()) + 1);
  const recentChanges = await changes.between(incident.service, from, to, 20).catch(() => undefined);
  if (!recentChanges) return { ...incident, recentChanges: [], recentChangesUnavailable: true };
  const entries: TimelineEntry[] = recentChanges.map((change) => ({
    at: change.happenedAt,
    kind: 'change',
    text: `change${change.source ? ` from ${change.source}` : ''}: ${change.summary}`,
  }));
  const timeline = [...incident.timeline, ...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { ...incident, recentChanges, timeline };
}

export function incidentRoutes(deps: { gateway: IncidentGateway; apiKeys: ApiKeys; changes?: ChangeEvents; config: VigilConfig }): Router {
  const router = Router();
  const { gateway } = deps;

  router.get('/v1/incidents', async (req, res) => {
    const query = parseOr400(incidentListQuerySchema, req.query, 'query');
    const incidents = await gateway.list({
      status: query.status as IncidentStatus | undefined,
      service: query.service,
      severity: query.severity as Severity | undefined,
      limit: query.limit,
    });
    res.json({ incidents });
  });

  router.get('/v1/incidents/:id', async (req, res) => {
    const incident = await gateway.get(req.params.id);
    if (!incident) throw new HttpError(404, `no incident ${req.params.id}`, [{ field: 'id', message: 'no such incident' }]);
    res.json(await withRecentChanges(incident, deps.changes));
  });

  router.post('/v1/incidents/:id/ack', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    parseOr400(ackBodySchema, req.body ?? {}, 'body');
    // 200 either way (docs/decisions.md): the flag, with acknowledgedBy and acknowledgedAt, tells a losing ack.
    const { incident, alreadyAcknowledged } = await gateway.acknowledge(req.params.id, { by, via: 'api' });
    res.json({ ...incident, alreadyAcknowledged });
  });

  router.post('/v1/incidents/:id/resolve', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const { note } = parseOr400(resolveBodySchema, req.body ?? {}, 'body');
    res.json(await gateway.resolve(req.params.id, { by, via: 'api', note }));
  });

  router.post('/v1/incidents/:id/escalate', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    parseOr400(escalateBodySchema, req.body ?? {}, 'body');
    res.json(await gateway.escalate(req.params.id, { by, via: 'api' }));
  });

  router.post('/v1/incidents/:id/updates', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const { text, eta } = parseOr400(statusUpdateBodySchema, req.body ?? {}, 'body');
    res.status(201).json(await gateway.postUpdate(req.params.id, { by, via: 'api', text, ...(eta ? { eta: new Date(eta).toISOString() } : {}) }));
  });

  router.post('/v1/incidents/:id/reassign', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const { to } = parseOr400(reassignBodySchema, req.body ?? {}, 'body');
    const [kind, target] = to.split(':') as ['user' | 'policy', string];
    // Resolved here against the current config, so the workflow gets addresses, not names.
    if (kind === 'user') {
      if (!Object.hasOwn(deps.config.contacts, target)) throw new HttpError(400, `no contact ${target}`, [{ field: 'body.to', message: `no contact "${target}"` }]);
      res.json(await gateway.reassign(req.params.id, { by, via: 'api', to: { responder: responderOf(deps.config, target) } }));
      return;
    }
    if (!Object.hasOwn(deps.config.escalationPolicies, target)) throw new HttpError(400, `no escalation policy ${target}`, [{ field: 'body.to', message: `no escalation policy "${target}"` }]);
    res.json(await gateway.reassign(req.params.id, { by, via: 'api', to: { policy: snapshotPolicy(deps.config, target) } }));
  });

  router.put('/v1/incidents/:id/roles', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const body = parseOr400(rolesBodySchema, req.body ?? {}, 'body');
    const via = req.get('x-vigil-client') === 'dashboard' ? 'dashboard' : 'api';
    res.json(await gateway.assignRoles(req.params.id, { by, via, roles: roleChangesOf(deps.config, body) }));
  });

  return router;
}

/** A responder's action on one incident: API key, the incident id, a JSON body, the incident back. */
function incidentAction(
  path: string,
  summary: string,
  body: z.ZodType,
  options: { bodyRequired?: boolean; ok?: '200' | '201'; badRequest?: string; answer?: { description: string; schema: z.ZodType } } = {},
): RouteConfig {
  return {
    method: 'post',
    path,
    summary,
    security: apiKeySecurity,
    parameters: [idParam],
    request: { body: { required: options.bodyRequired ?? false, content: json(body) } },
    responses: {
      [options.ok ?? '200']: options.answer ? { description: options.answer.description, content: json(options.answer.schema) } : { description: 'the incident' },
      ...errorAnswers({ '400': options.badRequest ?? 'invalid body, or id not decodable', '404': 'no such incident', '409': 'already resolved' }),
      ...writeRefusals('responder or operations-manager'),
      ...unavailable,
    },
  };
}

/** The incident routes as `/openapi.json` shows them, from the schemas above. */
export const incidentOperations: ResourceRoutes = {
  id: 'incidents',
  operations: [
    {
      method: 'get',
      path: '/v1/incidents',
      summary: 'List incidents, newest first',
      parameters: queryParameters(incidentListQuerySchema),
      responses: { '200': { description: 'incidents', content: json(incidentListAnswerSchema) }, ...errorAnswers({ '400': 'invalid query', '503': 'Temporal unavailable' }) },
    },
    {
      method: 'get',
      path: '/v1/incidents/{id}',
      summary: 'One incident: status, escalation, pages, runbook results, timeline',
      parameters: [idParam],
      responses: { '200': { description: 'the incident', content: json(incidentViewSchema) }, ...errorAnswers({ '400': 'id not decodable (bad percent-encoding)', '404': 'no such incident' }), ...unavailable },
    },
    incidentAction('/v1/incidents/{id}/ack', 'Acknowledge: stops escalation. A losing or repeated ack is answered 200 with alreadyAcknowledged: true and who acknowledged when', ackBodySchema, {
      answer: { description: 'the acknowledged incident; alreadyAcknowledged tells whether this call acknowledged it', schema: acknowledgeAnswerSchema },
    }),
    incidentAction('/v1/incidents/{id}/resolve', 'Resolve: ends the incident', resolveBodySchema),
    incidentAction('/v1/incidents/{id}/escalate', 'Escalate now: the next level is paged at once (an acknowledged incident is triggered again)', escalateBodySchema),
    incidentAction('/v1/incidents/{id}/updates', "Post a status update: on the timeline, emailed to the communication plan's stakeholders, resets the update cadence", statusUpdateBodySchema, {
      bodyRequired: true,
      ok: '201',
    }),
    {
      ...incidentAction('/v1/incidents/{id}/roles', 'Assign or change incident roles (commander, communicationsLead, scribe, responders); roles left out stay, null leaves one to nobody', rolesBodySchema, {
        bodyRequired: true,
        badRequest: 'invalid body (unknown contact, no role named), or id not decodable',
      }),
      method: 'put',
    },
    incidentAction('/v1/incidents/{id}/reassign', 'Hand the incident to a person (paged at once) or an escalation policy (starts over)', reassignBodySchema, {
      bodyRequired: true,
      badRequest: 'invalid body (unknown contact or policy), or id not decodable',
    }),
  ],
};
