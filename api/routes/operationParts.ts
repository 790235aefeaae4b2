/**
 * Pieces of OpenAPI operations that many routes share: the error body, the answers the body
 * parsers give before a route runs, the refusals of a write, and a route module's declaration
 * types. Route modules declare their operations with these beside their handlers;
 * `api/routes/openapi.ts` collects them.
 */
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorSchema } from './commonSchemas';

/**
 * Each schema converted once: route modules declare their operations as they load, so this runs
 * at every start, and the error body alone is in almost every operation's answers.
 */
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  let converted = jsonSchemas.get(schema);
  if (!converted) {
    converted = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    jsonSchemas.set(schema, converted);
  }
  return converted;
}

/** A JSON body or answer, from the zod schema the route checks it with (input side: what a client sends). */
export const json = (schema: z.ZodType) => ({ 'application/json': { schema: jsonSchemaOf(schema) } });
export const errorResponse = (description: string) => ({ description, content: json(errorSchema) });
/** What the body parsers and the content-type gate in `app.ts` answer before a route runs. */
export const bodyErrors = { '413': errorResponse('body too large'), '415': errorResponse('not JSON, or a charset other than UTF-8') };
export const unavailable = { '503': errorResponse('Temporal unavailable') };
export const storeUnavailable = { '503': errorResponse('the SQL store is unavailable or not configured') };
export const pathParam = (name: string) => ({ name, in: 'path' as const, required: true, schema: { type: 'string' as const } });
export const idParam = pathParam('id');
/** Operations that take Vigil's API key (`Authorization: Bearer <key>`). */
export const apiKeySecurity = [{ apiKey: [] }];
export const markdown = { 'text/markdown': { schema: { type: 'string' as const } } };
export const htmlPage = { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' as const } } } };

/** The error answers of an operation, each status with what it means there, all with the error body. */
export const errorAnswers = (meanings: Record<string, string>) => Object.fromEntries(Object.entries(meanings).map(([status, description]) => [status, errorResponse(description)]));

/**
 * What a write with an API key may answer before its handler decides: no or an unknown key, a
 * valid key whose role may not (the answer names the role needed, docs/roles.md), and the body
 * parsers' refusals.
 */
export const writeRefusals = (role: string) => ({ ...errorAnswers({ '401': 'API key', '403': `the key's role may not: needs ${role}` }), ...bodyErrors });

/** A query's parameters, from the zod schema the route parses `req.query` with (input side). */
export function queryParameters(schema: z.ZodObject) {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, Record<string, unknown>> };
  return Object.entries(jsonSchema.properties).map(([name, property]) => ({ name, in: 'query' as const, required: false, schema: property }));
}

/**
 * A resource's route module as the OpenAPI document sees it: every operation it mounts, with its
 * parameters, body and answers from the zod schemas in the resource's `<resource>Schemas.ts`.
 */
export interface ResourceRoutes {
  id: string;
  operations: RouteConfig[];
}

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
