import { Router } from 'express';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { MaintenanceWindows } from '../records/maintenanceWindows';
import { maintenanceBodySchema, maintenanceListQuerySchema } from './schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Maintenance windows: alerts a window covers are recorded as suppressed events and page nobody.
 * Creating and deleting need an operations manager's API key (the user is recorded); listing does not.
 */
export function maintenanceRoutes(deps: { maintenance?: MaintenanceWindows; apiKeys: ApiKeys }): Router {
  const router = Router();
  function store(): MaintenanceWindows {
    if (!deps.maintenance) throw new HttpError(503, 'no maintenance store is configured');
    return deps.maintenance;
  }
  function notFound(id: string): HttpError {
    return new HttpError(404, `no maintenance window ${id}`, [{ field: 'id', message: 'no such maintenance window' }]);
  }

  router.post('/v1/maintenance', async (req, res) => {
    const createdBy = requireRole(req, deps.apiKeys, 'operations-manager');
    const body = parseOr400(maintenanceBodySchema, req.body ?? {}, 'body');
    const window = await store().create({
      service: body.service,
      matchers: body.matchers,
      startsAt: new Date(body.startsAt ?? Date.now()).toISOString(),
      endsAt: new Date(body.endsAt).toISOString(),
      reason: body.reason,
      createdBy,
    });
    res.status(201).location(`/v1/maintenance/${window.id}`).json(window);
  });

  router.get('/v1/maintenance', async (req, res) => {
    const query = parseOr400(maintenanceListQuerySchema, req.query, 'query');
    res.json({ windows: await store().list({ includeEnded: query.includeEnded === 'true', now: new Date() }) });
  });

  router.get('/v1/maintenance/:id', async (req, res) => {
    const window = UUID.test(req.params.id) ? await store().get(req.params.id) : undefined;
    if (!window) throw notFound(req.params.id);
    res.json(window);
  });

  router.delete('/v1/maintenance/:id', async (req, res) => {
    requireRole(req, deps.apiKeys, 'operations-manager');
    if (!UUID.test(req.params.id) || !(await store().remove(req.params.id))) throw notFound(req.params.id);
    res.status(204).end();
  });
  return router;
}
