/**
 * `POST /v1/incidents`: an incident declared by hand (#15.5). It becomes a synthetic alert that
 * takes the intake's path to Temporal (or the spool), so the plan, the workflow, its runbook,
 * timeline and cadence are those of an alert-born incident; `page: false` plans it with no level.
 * Classification, grouping and maintenance are a sender's filters and do not apply: a person
 * declaring an incident means it.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Alert } from '../../domain/alert';
import type { VigilConfig } from '../../domain/config';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import { canonicalJson, uuidFromParts } from '../intake/alertIdentity';
import type { AlertIntake } from '../intake/alertIntake';
import { declareBodySchema, declaredAnswerSchema } from './incidentSchemas';
import { idempotencyKeyOf } from './idempotencyKey';
import { alertAcceptedSchema } from './alertSchemas';
import { apiKeySecurity, errorAnswers, json, unavailable, writeRefusals, type ResourceRoutes } from './operationParts';

export interface DeclareDeps {
  intake: AlertIntake;
  apiKeys: ApiKeys;
  config: VigilConfig;
  /** Each declaration held (for the accepted-alerts metric). */
  onAccepted?: (alert: Alert) => void;
}

/**
 * The alert id of a declaration: with an `Idempotency-Key`, derived from the user, the key and the
 * body, so a retry (on any replica) makes the same alert, the same workflow id and so joins the
 * incident it opened, counted once; without one, every declaration is new.
 */
function declarationId(user: string, idempotencyKey: string | undefined, body: unknown): string {
  return idempotencyKey ? uuidFromParts('declared', user, idempotencyKey, canonicalJson(body)) : randomUUID();
}

/**
 * The synthetic alert of an incident declared by hand, by the API, the dashboard or a chat command
 * (`api/chat/chatInbound.ts`): one shape, so every way of declaring plans and runs alike.
 */
export function declaredAlert(input: { id: string; by: string; via: string; service: string; summary: string; severity: Alert['severity']; page: boolean; commander?: string }): Alert {
  return {
    id: input.id,
    service: input.service,
    summary: input.summary,
    severity: input.severity,
    // Its own key: a declared incident never joins an alert's incident, nor one declared before.
    dedupKey: `declared-${input.id}`,
    source: 'declared',
    labels: {},
    details: {},
    receivedAt: new Date().toISOString(),
    declared: { by: input.by, via: input.via, page: input.page, ...(input.commander ? { commander: input.commander } : {}) },
  };
}

export function declaredIncidentRoutes(deps: DeclareDeps): Router {
  const router = Router();
  router.post('/v1/incidents', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const idempotencyKey = idempotencyKeyOf(req);
    const body = parseOr400(declareBodySchema, req.body ?? {}, 'body');
    if (!Object.hasOwn(deps.config.services, body.service)) {
      throw new HttpError(400, `no service ${body.service}`, [{ field: 'body.service', message: `no service "${body.service}" in config` }]);
    }
    if (body.commander !== undefined && !Object.hasOwn(deps.config.contacts, body.commander)) {
      throw new HttpError(400, `no contact ${body.commander}`, [{ field: 'body.commander', message: `no contact "${body.commander}" in config` }]);
    }
    const id = declarationId(by, idempotencyKey, body);
    const via = req.get('x-vigil-client') === 'dashboard' ? 'dashboard' : 'api';
    const alert = declaredAlert({ id, by, via, ...body });
    const [held] = await deps.intake.accept([{ action: 'trigger', alert }]);
    deps.onAccepted?.(alert);
    if (held.held === 'spool' || !held.incidentId) {
      // Temporal is down: held in the spool, it opens when the spool drains.
      res.status(202).json({ status: 'spooled', alertId: id });
      return;
    }
    const url = `/v1/incidents/${encodeURIComponent(held.incidentId)}`;
    res.status(201).location(url).json({ incidentId: held.incidentId, url, status: 'declared' });
  });
  return router;
}

/** The declaration as `/openapi.json` shows it. */
export const declaredIncidentOperations: ResourceRoutes = {
  id: 'declared-incidents',
  operations: [
    {
      method: 'post',
      path: '/v1/incidents',
      summary: 'Declare an incident by hand: the same workflow as an alert-born incident; page: false pages nobody',
      security: apiKeySecurity,
      parameters: [
        {
          name: 'idempotency-key',
          in: 'header',
          required: false,
          description: 'A retry with the same key and body joins the incident the first attempt declared',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21\\x23-\\x7e]+$' },
        },
      ],
      request: { body: { required: true, content: json(declareBodySchema) } },
      responses: {
        '201': { description: 'declared; Location names the incident', content: json(declaredAnswerSchema) },
        '202': { description: 'Temporal unavailable: held in the spool, the incident opens when it drains', content: json(alertAcceptedSchema) },
        ...errorAnswers({ '400': 'invalid body (unknown service or contact), or invalid Idempotency-Key' }),
        ...writeRefusals('responder or operations-manager'),
        ...unavailable,
      },
    },
  ],
};
