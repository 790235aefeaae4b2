/**
 * Temporal's codec server protocol, so the Temporal UI and CLI can show encrypted histories:
 * `POST /codec/decode` and `POST /codec/encode` take `{ payloads: [{ metadata, data }] }` with
 * every byte string in base64 (protobuf JSON) and answer the same shape through the payload
 * codec. Any valid API key may decode (`authorization: Bearer <key>`); the browser UI reaches it
 * across origins, so the origin of `VIGIL_TEMPORAL_UI_URL` gets CORS answers (docs/security.md).
 */
import express, { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { requireApiKey, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { codecBodySchema } from './codecSchemas';
import { apiKeySecurity, errorAnswers, json as jsonContent, type ResourceRoutes } from './operationParts';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The namespace whose payloads this codec holds keys for; a request naming another is refused. */
  namespace: string;
  /** Origins of the Temporal UI allowed to call from a browser (`VIGIL_TEMPORAL_UI_URL`). */
  uiOrigins: readonly string[];
}

/** Histories can carry large payloads; the UI sends a few at a time. */
const CODEC_BODY_LIMIT = '4mb';
type JsonPayload = z.output<typeof codecBodySchema>['payloads'][number];

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/**
 * The origin part of `VIGIL_TEMPORAL_UI_URL` (`https://temporal.example.com/ui` →
 * `https://temporal.example.com`), the same variable the dashboard links workflows with.
 */
export function uiOriginsFrom(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .filter((url) => url !== '')
    .map((url) => {
      if (!URL.canParse(url)) throw new Error(`VIGIL_TEMPORAL_UI_URL: "${url}" is not a URL (e.g. http://localhost:8233)`);
      return new URL(url).origin;
    });
}

export function codecRoutes(deps: { codecServer?: CodecServerOptions; apiKeys: ApiKeys }): Router {
  const router = Router();
  const server = deps.codecServer;
  const origins = new Set(server?.uiOrigins ?? []);

  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
        res.setHeader('Access-Control-Max-Age', '600');
      }
    }
    next();
  };
  // Preflights carry no credentials; a browser sends the real request only when the origin was allowed.
  router.options(['/codec/decode', '/codec/encode'], cors, (_req, res) => {
    res.status(204).end();
  });

  const authenticate: RequestHandler = (req, _res, next) => {
    requireApiKey(req, deps.apiKeys);
    if (!server) throw new HttpError(503, 'payload encryption is not configured (VIGIL_PAYLOAD_KEYS): there is nothing to decode');
    const namespace = req.get('x-namespace');
    if (namespace !== undefined && namespace !== server.namespace) {
      throw new HttpError(400, `this codec holds the keys of namespace "${server.namespace}" only`, [{ field: 'x-namespace', message: `got "${namespace}"` }]);
    }
    next();
  };
  const json = express.json({ limit: CODEC_BODY_LIMIT, strict: true, type: () => true });

  for (const operation of ['decode', 'encode'] as const) {
    // The key is checked before the body is read, so an anonymous caller costs no parsing.
    router.post(`/codec/${operation}`, cors, authenticate, json, async (req, res) => {
      const body = parseOr400(codecBodySchema, req.body, 'body');
      const codec = (server as CodecServerOptions).codec;
      const payloads = await Promise.all(
        body.payloads.map(async (payload, index) => {
          try {
            const [converted] = await codec[operation]([fromJson(payload)]);
            return toJson(converted);
          } catch (error) {
            throw new HttpError(400, `payload ${index} could not be ${operation}d`, [{ field: `body.payloads.${index}`, message: (error as Error).message }]);
          }
        }),
      );
      res.json({ payloads });
    });
  }
  return router;
}

/** Temporal's codec server protocol as `/openapi.json` shows it: the Temporal UI and CLI decode history payloads here. */
function codecOperation(operation: 'decode' | 'encode'): RouteConfig {
  return {
    method: 'post',
    path: `/codec/${operation}`,
    summary: `${operation === 'decode' ? 'Decrypt' : 'Encrypt'} Temporal payloads (codec server protocol; any valid API key)`,
    security: apiKeySecurity,
    parameters: [{ name: 'x-namespace', in: 'header', required: false, schema: { type: 'string' } }],
    request: { body: { required: true, content: jsonContent(codecBodySchema) } },
    responses: {
      '200': { description: 'the payloads, each through the codec', content: jsonContent(codecBodySchema) },
      ...errorAnswers({
        '400': `a malformed body, another namespace, or a payload that cannot be ${operation}d`,
        '401': 'no or unknown API key',
        '413': 'body too large',
        '503': 'payload encryption is not configured',
      }),
    },
  };
}

export const codecOperations: ResourceRoutes = { id: 'codec', operations: [codecOperation('decode'), codecOperation('encode')] };
