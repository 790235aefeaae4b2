import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Alert } from '../../domain/alert';
import { defaultDedupKey } from '../../domain/alert';
import { parseSeverity, type Severity } from '../../domain/severity';
import { parseOr400 } from '../httpErrors';
import type { IncidentGateway } from '../incidentGateway';
import { alertBodySchema } from '../schemas';

/**
 * `POST /v1/alerts`: the generic JSON integration. Answers 202 only once Temporal holds the
 * alert; a Temporal outage is a 503 (the spool that keeps alerts through one is issue #4's).
 */
export function alertRoutes(deps: { gateway: IncidentGateway; onAccepted: (alert: Alert) => void }): Router {
  const router = Router();
  router.post('/v1/alerts', async (req, res) => {
    const body = parseOr400(alertBodySchema, req.body, 'body');
    const alert: Alert = {
      id: randomUUID(),
      service: body.service,
      summary: body.summary,
      severity: parseSeverity(body.severity) as Severity,
      dedupKey: body.dedupKey ?? defaultDedupKey(body.service, body.summary, body.labels),
      source: body.source,
      labels: body.labels,
      details: body.details,
      receivedAt: new Date().toISOString(),
    };
    const { incidentId } = await deps.gateway.submitAlert(alert);
    deps.onAccepted(alert);
    res.status(202).location(`/v1/incidents/${encodeURIComponent(incidentId)}`).json({ incidentId, status: 'accepted' });
  });
  return router;
}
