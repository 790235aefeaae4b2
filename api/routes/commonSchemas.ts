/**
 * Schemas several resources share: a service id, a time, and the error body every route answers
 * with. Each resource's own schemas are in `<resource>Schemas.ts` beside its route module.
 */
import { z } from 'zod';

export const serviceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 63');

export const errorSchema = z.object({
  error: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string() })),
});

/** A time in an answer: what Vigil writes is always `Date#toISOString()`. */
export const answerTime = z.string().describe('ISO-8601');

export const timestamp = z.iso
  .datetime({ offset: true })
  .refine((text) => {
    const year = new Date(text).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'a time between the years 2000 and 2100')
  .describe('ISO-8601 date-time with offset, e.g. 2026-11-25T14:00:00Z');
