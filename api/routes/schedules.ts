/** On-call schedules: who is on call now (or at a given time), and the handoffs that follow. */
import { Router } from 'express';
import { z } from 'zod';
import { nextHandoffs, onCallAt, type OnCall, type Schedule } from '../../domain/schedule';
import { HttpError, parseOr400 } from '../http/httpErrors';

/** How far ahead, and how many, handoffs an on-call answer lists. */
const HANDOFF_HORIZON_MS = 7 * 24 * 3600 * 1000;
const HANDOFF_LIMIT = 20;

const instant = z.iso
  .datetime({ offset: true, abort: true, error: 'an ISO-8601 date-time with offset, e.g. 2026-11-25T14:00:00Z' })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'a time between the years 2000 and 2100');

export const onCallQuerySchema = z
  .object({
    at: instant.optional().describe('default: now'),
  })
  .strict();

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
