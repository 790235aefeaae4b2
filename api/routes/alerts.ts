import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Alert } from '../../domain/alert';
import { genericAdapter } from '../adapters/generic';
import { AdapterInputError } from '../adapters/types';
import { HttpError } from '../httpErrors';
import type { AlertIntake } from '../intake/alertIntake';

/**
 * `POST /v1/alerts`: the generic JSON integration. Answers 202 only once the alert is held: by
 * Temporal (the answer names the incident), or by the spool while Temporal is down (the answer
 * says `spooled`; the incident opens when the spool drains).
 */
export function alertRoutes(deps: { intake: AlertIntake; onAccepted: (alert: Alert) => void }): Router {
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
    const [outcome] = await deps.intake.accept([{ action: 'trigger', alert }]);
    deps.onAccepted(alert);
    if (outcome.held === 'spool') {
      res.status(202).json({ status: 'spooled', alertId: alert.id });
      return;
    }
    const incidentId = outcome.incidentId as string;
    res.status(202).location(`/v1/incidents/${encodeURIComponent(incidentId)}`).json({ incidentId, status: 'accepted' });
  });
  return router;
}
