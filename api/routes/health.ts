import { Router } from 'express';
import type { IncidentGateway } from '../incidentGateway';

/** Liveness (the process answers) and readiness (Temporal answers too). */
export function healthRoutes(deps: { gateway: IncidentGateway }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const up = await deps.gateway.isReady();
    res.status(up ? 200 : 503).json({ status: up ? 'ready' : 'not ready', temporal: up ? 'up' : 'down' });
  });
  return router;
}
