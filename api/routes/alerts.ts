import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Alert } from '../../domain/alert';
import { genericAdapter } from '../adapters/generic';
import { AdapterInputError } from '../adapters/types';
import { HttpError } from '../httpErrors';
import type { IncidentGateway } from '../incidentGateway';

/**
 * `POST /v1/alerts`: the generic JSON integration. Answers 202 only once Temporal holds the
 * alert; a Temporal outage is a 503 (the spool that keeps alerts through one is issue #4's).
 */
export function alertRoutes(deps: { gateway: IncidentGateway; onAccepted: (alert: Alert) => void }): Router {
  const router = Router();
  router.post('/v1/alerts', async (req, res) => {
    // The same reading as the `generic` integration: one schema, one mapping.
    let parsed;
    try {
      parsed = genericAdapter.parse(req.body, {});
    } catch (error) {
      if (error instanceof AdapterInputError) throw new HttpError(400, 'invalid body', [{ field: error.field, message: error.message }]);
      throw error;
    }
    const { status: _firing, ...fields } = parsed[0];
    const alert: Alert = { ...fields, id: randomUUID(), receivedAt: new Date().toISOString() };
    const { incidentId } = await deps.gateway.submitAlert(alert);
    deps.onAccepted(alert);
    res.status(202).location(`/v1/incidents/${encodeURIComponent(incidentId)}`).json({ incidentId, status: 'accepted' });
  });
  return router;
}
