/** On-call schedules: who is on call now (or at a given time), and the handoffs that follow. */
import { Router } from 'express';
import { z } from 'zod';
import { nextHandoffs, onCallAt, type OnCall, type Schedule } from '../../domain/schedule';
import { HttpError, parseOr400 } from '../http/httpErrors';
import { onCallAnswerSchema, onCallQuerySchema, scheduleListAnswerSchema } from './scheduleSchemas';
import { errorAnswers, idParam, json, queryParameters, type ResourceRoutes } from './operationParts';

/** How far ahead, and how many, handoffs an on-call answer lists. */
const HANDOFF_HORIZON_MS = 7 * 24 * 3600 * 1000;
const HANDOFF_LIMIT = 20;

export interface ScheduleRouteDeps {
  schedules: Record<string, Schedule>;
  contacts: Record<string, { name: string }>;
  /** The clock for requests without `at` (the real one by default). */
  now?: () => Date;
}

export function scheduleRoutes(deps: ScheduleRouteDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());

  const describe = (oncall: OnCall | undefined) =>
    oncall
      ? {
          userId: oncall.userId,
          name: Object.hasOwn(deps.contacts, oncall.userId) ? deps.contacts[oncall.userId].name : oncall.userId,
          layer: oncall.layer,
        }
      : null;

  router.get('/v1/schedules', (_req, res) => {
    res.json({ schedules: Object.entries(deps.schedules).map(([id, schedule]) => ({ id, timeZone: schedule.timeZone })) });
  });

  router.get('/v1/schedules/:id/oncall', (req, res) => {
    const { id } = req.params;
    if (!Object.hasOwn(deps.schedules, id)) throw new HttpError(404, `no schedule ${id}`, [{ field: 'id', message: 'no such schedule' }]);
    const query = parseOr400(onCallQuerySchema, req.query, 'query');
    const schedule = deps.schedules[id];
    const at = query.at !== undefined ? new Date(query.at) : now();
    res.json({
      schedule: id,
      at: at.toISOString(),
      oncall: describe(onCallAt(schedule, at)),
      nextHandoffs: nextHandoffs(schedule, at, new Date(at.getTime() + HANDOFF_HORIZON_MS), HANDOFF_LIMIT).map((handoff) => ({
        at: handoff.at.toISOString(),
        oncall: describe(handoff.oncall),
      })),
    });
  });

  return router;
}

/** The schedule routes as `/openapi.json` shows them. */
export const scheduleOperations: ResourceRoutes = {
  id: 'schedules',
  operations: [
    { method: 'get', path: '/v1/schedules', summary: 'On-call schedules', responses: { '200': { description: 'schedules: id and time zone', content: json(scheduleListAnswerSchema) } } },
    {
      method: 'get',
      path: '/v1/schedules/{id}/oncall',
      summary: 'Who is on call at an instant (default now), and the next hand-offs',
      parameters: [idParam, ...queryParameters(onCallQuerySchema)],
      responses: { '200': { description: 'on call', content: json(onCallAnswerSchema) }, ...errorAnswers({ '400': 'invalid query', '404': 'no such schedule' }) },
    },
  ],
};
