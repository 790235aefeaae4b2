/** The query of `GET /v1/schedules/{id}/oncall`. */
import { z } from 'zod';

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
