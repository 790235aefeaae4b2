import { Router } from 'express';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { EventLog } from '../records/eventLog';
import { eventListQuerySchema } from './schemas';

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
