import { Router } from 'express';
import type { ApiKeyHolder } from '../../domain/roles';
import { genericAdapter } from '../adapters/generic';
import { AdapterInputError } from '../adapters/types';
import { HttpError } from '../http/httpErrors';
import { receiveAlerts, type ReceiveDeps } from '../intake/receive';
import { idempotencyKeyOf } from './idempotencyKey';

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
