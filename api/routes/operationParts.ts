/**
 * Pieces of OpenAPI operations that many routes share: the error body, the answers the body
 * parsers give before a route runs, and a route module's declaration type. Route modules declare
 * their operations with these beside their handlers; `api/routes/openapi.ts` collects them.
 */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorSchema } from './schemas';

/** A JSON body or answer, from the zod schema the route checks it with (input side: what a client sends). */
export const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> } });
export const errorResponse = (description: string) => ({ description, content: json(errorSchema) });
/** What the body parsers and the content-type gate in `app.ts` answer before a route runs. */
export const bodyErrors = { '413': errorResponse('body too large'), '415': errorResponse('not JSON, or a charset other than UTF-8') };
export const unavailable = { '503': errorResponse('Temporal unavailable') };
export const storeUnavailable = { '503': errorResponse('the SQL store is unavailable or not configured') };
export const pathParam = (name: string) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' as const } });

/**
 * A sender's route module as the OpenAPI document and `docs/integrations.md` see it: the
 * credential it takes and how it is checked, and every operation it mounts (paths, bodies as the
 * zod schemas the route reads, an example each, answers). `test/api/openapiRoutes.test.ts` fails
 * when the app mounts a route no declaration (or resource entry) documents.
 */
export interface SenderRoute {
  id: string;
  description: string;
  authentication: {
    /** Which credential the sender presents, and where. */
    credential: string;
    /** How the route checks it. */
    checked: string;
  };
  operations: RouteConfig[];
}
