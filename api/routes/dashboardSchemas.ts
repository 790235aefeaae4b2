/** The query of the dashboard's rows request (`GET /v1/dashboard/incidents`). */
import { z } from 'zod';
import { decodeRowsCursor } from '../gateways/openRows';

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

/** At most this many open incidents per page of rows (`GET /v1/dashboard/rows`). */
export const MAX_ROWS_PAGE = 500;
export const rowsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_ROWS_PAGE).default(100).describe(`rows in this page, 1 to ${MAX_ROWS_PAGE}`),
    after: z
      .string()
      // base64url only, and short enough that a URL carrying it stays under Node's 16 KiB header limit
      // (the longest cursor, 200 seen run ids, is about 11 KB).
      .max(12_000)
      .regex(/^[A-Za-z0-9_-]*$/, 'a cursor is base64url')
      .refine((cursor) => decodeRowsCursor(cursor) !== undefined, 'the `next` cursor of the page before, as given')
      .optional()
      .describe('the `next` cursor of the page before (absent: the first page)'),
  })
  .strict();
