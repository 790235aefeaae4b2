/** Maintenance windows: the body that opens one, the list query, and a window as answered. */
import { z } from 'zod';
import { isValidLabelPattern } from '../../domain/classification';
import { LABEL_PATTERN_RULE } from '../../domain/labelPattern';
import { serviceId, timestamp } from './commonSchemas';

export const maintenanceWindowSchema = z.object({
  id: z.string(),
  service: z.string().optional(),
  matchers: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

/** Label matchers of a maintenance window: exact value, `*` (present), or `/regex/`. */
const labelMatchers = z
  .record(z.string().min(1).max(128), z.string().min(1).max(256).refine(isValidLabelPattern, LABEL_PATTERN_RULE))
  .refine((labels) => Object.keys(labels).length <= 32, { message: 'at most 32 matchers' });

/** At most a year: a forgotten window must not silence a service for good. */
const MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

export const maintenanceBodySchema = z
  .object({
    service: serviceId.optional(),
    matchers: labelMatchers.default({}),
    startsAt: timestamp.optional().describe('default: now'),
    endsAt: timestamp,
    reason: z.string().trim().min(1).max(500),
  })
  .strict()
  .refine((body) => body.service !== undefined || Object.keys(body.matchers).length > 0, {
    message: 'name a service or at least one label matcher: a window over everything would silence all paging',
    path: ['service'],
  })
  .refine((body) => Date.parse(body.endsAt) > (body.startsAt ? Date.parse(body.startsAt) : Date.now()), { message: 'must be after startsAt (and in the future)', path: ['endsAt'] })
  .refine((body) => Date.parse(body.endsAt) - (body.startsAt ? Date.parse(body.startsAt) : Date.now()) <= MAX_WINDOW_MS, {
    message: 'a window may last at most 366 days',
    path: ['endsAt'],
  });

export const maintenanceListQuerySchema = z.object({ includeEnded: z.enum(['true', 'false']).default('false') }).strict();
