import { Router } from 'express';
import type { ApiKeyHolder } from '../../domain/roles';
import { genericAdapter } from '../adapters/generic';
import { AdapterInputError } from '../adapters/types';
import { HttpError } from '../http/httpErrors';
import { receiveAlerts, type ReceiveDeps } from '../intake/receive';
import { SEVERITY_WORDS } from '../../domain/severity';
import { alertAcceptedSchema, alertBodySchema } from './alertSchemas';
import { idempotencyKeyOf } from './idempotencyKey';
import { bodyErrors, errorAnswers, json, unavailable, type ResourceRoutes } from './operationParts';

/**
 * `POST /v1/alerts`: the generic JSON integration. Answers 202 only once the alert is held, and
 * says what it became: an incident (named, or `spooled` while Temporal is down: it opens when the
 * spool drains), a recorded event, an event suppressed by maintenance, or dropped by policy.
 */
export function alertRoutes(deps: { receive: ReceiveDeps }): Router {
  const router = Router();
  router.post('/v1/alerts', async (req, res) => {
    const idempotencyKey = idempotencyKeyOf(req);
    // The same reading as the `generic` integration: one schema, one mapping.
    let parsed;
    try {
      parsed = genericAdapter.parse(req.body, {});
    } catch (error) {
      if (error instanceof AdapterInputError) throw new HttpError(400, 'invalid body', [{ field: error.field, message: error.message }]);
      throw error;
    }
    // The access policy let only a key that may send alerts this far; its user names the sender.
    const sender = (res.locals.apiKeyHolder as ApiKeyHolder | undefined)?.user;
    const [result] = await receiveAlerts(deps.receive, parsed.slice(0, 1), sender ? `api:${sender}` : 'api', { route: '/v1/alerts', body: req.body, idempotencyKey });
    switch (result.outcome) {
      case 'incident':
        if (result.spooled || !result.incidentId) {
          res.status(202).json({ status: 'spooled', alertId: result.alertId });
          return;
        }
        res.status(202).location(`/v1/incidents/${encodeURIComponent(result.incidentId)}`).json({ incidentId: result.incidentId, status: 'accepted' });
        return;
      case 'event':
      case 'suppressed':
        res.status(202).json({ status: result.outcome, alertId: result.alertId, eventId: result.eventId });
        return;
      case 'resolve':
      case 'acknowledge':
        res.status(202).json({ status: 'resolved', alertId: result.alertId, incidentUpdated: result.reachedIncident, spooled: result.spooled });
        return;
      default:
        res.status(202).json({ status: result.outcome, alertId: result.alertId });
    }
  });
  return router;
}

/**
 * The alert body, with what the schema checks in code written out for JSON Schema: `severity`
 * is required unless `status` is `resolved`, and is a refinement (any of these words, compared
 * trimmed and case-insensitively), `summary` is trimmed before its length check, and `labels`
 * holds at most 64 entries.
 */
function alertBodyContent() {
  const content = json(alertBodySchema);
  const { properties } = content['application/json'].schema as { properties: Record<string, Record<string, unknown>> };
  properties.severity = { ...properties.severity, enum: SEVERITY_WORDS };
  properties.summary = { ...properties.summary, pattern: '\\S' };
  properties.labels = { ...properties.labels, maxProperties: 64 };
  // The refinement: a firing alert (status absent or "firing") needs a severity.
  Object.assign(content['application/json'].schema, { if: { properties: { status: { const: 'resolved' } }, required: ['status'] }, else: { required: ['severity'] } });
  return content;
}

/** The alert route as `/openapi.json` shows it. */
export const alertOperations: ResourceRoutes = {
  id: 'alerts',
  operations: [
    {
      method: 'post',
      path: '/v1/alerts',
      summary: 'Submit an alert; 202 once it is durably held (by Temporal, the spool, or as a recorded event)',
      parameters: [
        {
          name: 'idempotency-key',
          in: 'header',
          required: false,
          description: 'A retry with the same key and body counts once (docs/integrations.md, "Retries count once")',
          // The bare form; the quoted form of the IETF draft is taken too.
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21\\x23-\\x7e]+$' },
        },
      ],
      request: { body: { required: true, content: alertBodyContent() } },
      responses: {
        '202': { description: 'accepted', content: json(alertAcceptedSchema) },
        ...errorAnswers({ '400': 'invalid body' }),
        ...bodyErrors,
        ...unavailable,
      },
    },
  ],
};
