import { Router } from 'express';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { MaintenanceWindows } from '../../platform/maintenanceWindows';
import { z } from 'zod';
import { maintenanceBodySchema, maintenanceListQuerySchema, maintenanceWindowSchema } from './maintenanceSchemas';
import { apiKeySecurity, errorAnswers, idParam, json, queryParameters, storeUnavailable, writeRefusals, type ResourceRoutes } from './operationParts';

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

/** The maintenance routes as `/openapi.json` shows them. */
export const maintenanceOperations: ResourceRoutes = {
  id: 'maintenance',
  operations: [
    {
      method: 'post',
      path: '/v1/maintenance',
      summary: 'Open a maintenance window: alerts it covers are recorded as suppressed events, nobody is paged',
      security: apiKeySecurity,
      request: { body: { required: true, content: json(maintenanceBodySchema) } },
      responses: {
        '201': { description: 'the window', content: json(maintenanceWindowSchema) },
        ...errorAnswers({ '400': 'invalid body' }),
        ...writeRefusals('operations-manager'),
        ...storeUnavailable,
      },
    },
    {
      method: 'get',
      path: '/v1/maintenance',
      summary: 'Windows not yet over (or all, with includeEnded=true)',
      parameters: queryParameters(maintenanceListQuerySchema),
      responses: {
        '200': { description: 'windows', content: json(z.object({ windows: z.array(maintenanceWindowSchema) })) },
        ...errorAnswers({ '400': 'invalid query' }),
        ...storeUnavailable,
      },
    },
    {
      method: 'get',
      path: '/v1/maintenance/{id}',
      summary: 'One maintenance window',
      parameters: [idParam],
      responses: { '200': { description: 'the window', content: json(maintenanceWindowSchema) }, ...errorAnswers({ '400': 'id not decodable', '404': 'no such window' }), ...storeUnavailable },
    },
    {
      method: 'delete',
      path: '/v1/maintenance/{id}',
      summary: 'End a maintenance window now (deletes it)',
      security: apiKeySecurity,
      parameters: [idParam],
      responses: {
        '204': { description: 'deleted' },
        // No body is read: the body parsers' refusals are not among the answers.
        ...errorAnswers({ '400': 'id not decodable', '401': 'API key', '403': "the key's role may not: needs operations-manager", '404': 'no such window' }),
        ...storeUnavailable,
      },
    },
  ],
};
