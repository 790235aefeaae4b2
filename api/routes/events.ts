import { Router } from 'express';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { EventLog } from '../records/eventLog';
import { z } from 'zod';
import { eventListQuerySchema, eventRecordSchema } from './eventSchemas';
import { errorAnswers, json, queryParameters, storeUnavailable, type ResourceRoutes } from './operationParts';

/** `GET /v1/events`: alerts that paged nobody (and those promoted to incidents), newest first. */
export function eventRoutes(deps: { events?: EventLog }): Router {
  const router = Router();
  router.get('/v1/events', async (req, res) => {
    const query = parseOr400(eventListQuerySchema, req.query, 'query');
    if (!deps.events) throw new HttpError(503, 'no event store is configured');
    const events = await deps.events.list({
      service: query.service,
      dedupKey: query.dedupKey,
      disposition: query.disposition,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      limit: query.limit,
    });
    res.json({ events });
  });
  return router;
}

/** The event route as `/openapi.json` shows it. */
export const eventOperations: ResourceRoutes = {
  id: 'events',
  operations: [
    {
      method: 'get',
      path: '/v1/events',
      summary: 'Recorded events (alerts that paged nobody, and promotions), newest first',
      parameters: queryParameters(eventListQuerySchema),
      responses: {
        '200': { description: 'events', content: json(z.object({ events: z.array(eventRecordSchema) })) },
        ...errorAnswers({ '400': 'invalid query' }),
        ...storeUnavailable,
      },
    },
  ],
};
