import { Router } from 'express';
import type { IncidentStatus } from '../../domain/incident';
import type { Severity } from '../../domain/severity';
import { requireApiUser } from '../auth';
import { HttpError, parseOr400 } from '../httpErrors';
import type { IncidentGateway } from '../incidentGateway';
import { ackBodySchema, incidentListQuerySchema, resolveBodySchema } from '../schemas';

/** Listing, reading, acknowledging and resolving incidents. */
export function incidentRoutes(deps: { gateway: IncidentGateway; apiKeys: Map<string, string> }): Router {
  const router = Router();
  const { gateway } = deps;

  router.get('/v1/incidents', async (req, res) => {
    const query = parseOr400(incidentListQuerySchema, req.query, 'query');
    const incidents = await gateway.list({
      status: query.status as IncidentStatus | undefined,
      service: query.service,
      severity: query.severity as Severity | undefined,
      limit: query.limit,
    });
    res.json({ incidents });
  });

  router.get('/v1/incidents/:id', async (req, res) => {
    const incident = await gateway.get(req.params.id);
    if (!incident) throw new HttpError(404, `no incident ${req.params.id}`, [{ field: 'id', message: 'no such incident' }]);
    res.json(incident);
  });

  router.post('/v1/incidents/:id/ack', async (req, res) => {
    const by = requireApiUser(req, deps.apiKeys);
    parseOr400(ackBodySchema, req.body ?? {}, 'body');
    res.json(await gateway.acknowledge(req.params.id, { by, via: 'api' }));
  });

  router.post('/v1/incidents/:id/resolve', async (req, res) => {
    const by = requireApiUser(req, deps.apiKeys);
    const { note } = parseOr400(resolveBodySchema, req.body ?? {}, 'body');
    res.json(await gateway.resolve(req.params.id, { by, via: 'api', note }));
  });

  return router;
}
