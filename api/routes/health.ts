import { Router } from 'express';
import type { IncidentGateway } from '../gateways/incidentGateway';
import type { AlertSpool, SpoolStats } from '../intake/alertSpool';
import type { ResourceRoutes } from './operationParts';

/**
 * Liveness (the process answers) and readiness: ready while alerts can be held, by Temporal or,
 * during an outage, by the spool. The spool's depth and age show how far behind Temporal is.
 */
export function healthRoutes(deps: { gateway: IncidentGateway; spool?: AlertSpool }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const temporalUp = await deps.gateway.isReady();
    let spool: SpoolStats | 'unavailable' | undefined;
    if (deps.spool) spool = await deps.spool.stats().catch(() => 'unavailable' as const);
    const ready = temporalUp || (spool !== undefined && spool !== 'unavailable');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', temporal: temporalUp ? 'up' : 'down', ...(spool ? { spool } : {}) });
  });
  return router;
}

/** Liveness and readiness as `/openapi.json` shows them. */
export const healthOperations: ResourceRoutes = {
  id: 'health',
  operations: [
    { method: 'get', path: '/healthz', summary: 'Liveness', responses: { '200': { description: 'alive' } } },
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: alerts can be held (Temporal answers, or the spool takes them); shows the spool depth and age',
      responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
    },
  ],
};
