/** The query of the dashboard's rows request (`GET /v1/dashboard/incidents`). */
import { z } from 'zod';

/** At most this many incidents per rows request (the ids travel in the query string). */
export const MAX_DIGEST_IDS = 40;
export const digestQuerySchema = z
  .object({
    ids: z
      .string()
      .min(1)
      .transform((text) => [...new Set(text.split(',').filter(Boolean))])
      .refine((ids) => ids.length >= 1 && ids.length <= MAX_DIGEST_IDS, `1 to ${MAX_DIGEST_IDS} comma-separated incident ids`)
      .describe('comma-separated incident ids'),
  })
  .strict();
