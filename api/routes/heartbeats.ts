/**
 * Heartbeat pings and the heartbeat list. A ping is `GET` or `POST /v1/heartbeats/<id>/ping` with
 * the heartbeat's token as a Bearer header, or at the end of the path (`.../ping/<token>`) for a
 * crontab's `curl` or `wget` that sets no header. It answers 200 only once Temporal holds the ping;
 * while Temporal is down it is a 503 with Retry-After (a ping is cheap to send again, so it is not
 * spooled; see docs/heartbeats.md).
 */
import { Router, type Request } from 'express';
import type { VigilConfig } from '../../domain/config';
import { heartbeatSettingsOf } from '../../domain/heartbeat';
import type { HeartbeatGateway } from '../gateways/heartbeatGateway';
import { HttpError } from '../http/httpErrors';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import { sameSecret } from '../http/sameSecret';
import { z } from 'zod';
import { errorResponse, json, pathParam, type SenderRoute } from './operationParts';

/** What `GET /v1/heartbeats` answers (documented in `/openapi.json`; `test/api/heartbeats.test.ts` holds a real answer to it). */
export const heartbeatListAnswerSchema = z.object({
  heartbeats: z.array(
    z.object({
      id: z.string(),
      service: z.string(),
      interval: z.string().describe('as configured, e.g. 24h'),
      grace: z.string(),
      intervalSeconds: z.number().int(),
      graceSeconds: z.number().int(),
      state: z.enum(['ok', 'late', 'unknown']).describe('unknown: its workflow is not running yet, or no worker answered'),
      lastPingAt: z.string().nullable(),
      nextDeadlineAt: z.string().nullable(),
      pings: z.number().int(),
      maintenanceUntil: z.string().nullable().describe('late, but a maintenance window covers it: no page before this time'),
    }),
  ),
});

export interface HeartbeatRouteDeps {
  config: VigilConfig;
  env: NodeJS.ProcessEnv;
  /** Without it pings and the list answer 503. */
  heartbeats?: HeartbeatGateway;
}

/** Heartbeats as the OpenAPI document shows them: pings with the heartbeat's own token, the list for readers (docs/heartbeats.md). */
export const heartbeatSenderRoute: SenderRoute = (() => {
  const pingResponses = {
    '200': { description: 'the ping is held by Temporal' },
    '401': errorResponse('unknown heartbeat or wrong token (one answer for both)'),
    '429': errorResponse('too many failed authentications from this address'),
    '503': errorResponse('Temporal unavailable; retry (Retry-After)'),
    '413': errorResponse('body too large'),
  };
  const bearer = [{ apiKey: [] }];
  const ping = (method: 'get' | 'post', tokenInPath: boolean, summary: string) => ({
    method,
    path: tokenInPath ? '/v1/heartbeats/{heartbeatId}/ping/{token}' : '/v1/heartbeats/{heartbeatId}/ping',
    summary,
    parameters: tokenInPath ? [pathParam('heartbeatId'), pathParam('token')] : [pathParam('heartbeatId')],
    ...(tokenInPath ? {} : { security: bearer }),
    responses: pingResponses,
  });
  return {
    id: 'heartbeats',
    description: "A scheduled job's pings; silence past the interval and grace opens an incident",
    authentication: {
      credential: "the heartbeat's token (its tokenEnv), as Bearer or as the last path segment",
      checked: 'compared in constant time; an unknown heartbeat and a wrong token get the same 401',
    },
    operations: [
      {
        method: 'get',
        path: '/v1/heartbeats',
        summary: 'Configured heartbeats: interval, grace, last ping, next deadline, state (ok, late, or unknown)',
        security: bearer,
        responses: {
          '200': { description: 'heartbeats', content: json(heartbeatListAnswerSchema) },
          '401': errorResponse('API key'),
          '403': errorResponse("the key's role may not: needs any role that reads"),
          '503': errorResponse('Temporal unavailable'),
        },
      },
      ping('get', false, "A scheduled job's ping (heartbeat token as Bearer)"),
      ping('post', false, 'The same as POST (the body, if any, is not read)'),
      ping('get', true, 'The same with the token in the path, for crontab lines without headers'),
      ping('post', true, 'The same as POST'),
    ],
  };
})();

export function heartbeatRoutes(deps: HeartbeatRouteDeps): Router {
  const router = Router();

  function gateway(): HeartbeatGateway {
    if (!deps.heartbeats) throw new BackendUnavailableError(new Error('no heartbeat gateway configured'), 'heartbeats are unavailable');
    return deps.heartbeats;
  }

  function authenticate(req: Request, heartbeatId: string, pathToken: string | undefined): void {
    const heartbeat = Object.hasOwn(deps.config.heartbeats, heartbeatId) ? deps.config.heartbeats[heartbeatId] : undefined;
    const expected = heartbeat ? deps.env[heartbeat.tokenEnv] : undefined;
    const presented = pathToken ?? /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    // One answer for an unknown heartbeat and a wrong token: probing learns nothing.
    if (!expected || !presented || !sameSecret(expected, presented)) {
      throw new HttpError(
        401,
        'unknown heartbeat or wrong token',
        [{ field: 'authorization', message: 'expected the heartbeat token as a Bearer header or a URL path segment' }],
        {},
        { 'www-authenticate': 'Bearer' },
      );
    }
  }

  async function ping(req: Request, heartbeatId: string, pathToken: string | undefined) {
    authenticate(req, heartbeatId, pathToken);
    await gateway().ping(heartbeatSettingsOf(heartbeatId, deps.config.heartbeats[heartbeatId]));
    return { status: 'ok', heartbeat: heartbeatId };
  }

  // Both verbs: crontab lines use either `curl` (GET), `curl -X POST` or `wget --post-data`.
  router.get('/v1/heartbeats/:heartbeatId/ping', async (req, res) => {
    res.json(await ping(req, req.params.heartbeatId, undefined));
  });
  router.post('/v1/heartbeats/:heartbeatId/ping', async (req, res) => {
    res.json(await ping(req, req.params.heartbeatId, undefined));
  });
  router.get('/v1/heartbeats/:heartbeatId/ping/:token', async (req, res) => {
    res.json(await ping(req, req.params.heartbeatId, req.params.token));
  });
  router.post('/v1/heartbeats/:heartbeatId/ping/:token', async (req, res) => {
    res.json(await ping(req, req.params.heartbeatId, req.params.token));
  });

  /** Configured heartbeats with what their workflows know: from Temporal, so every replica answers alike. */
  router.get('/v1/heartbeats', async (_req, res) => {
    const configured = Object.entries(deps.config.heartbeats);
    const views = configured.length > 0 ? await Promise.all(configured.map(([heartbeatId]) => gateway().view(heartbeatId))) : [];
    res.json({
      heartbeats: configured.map(([heartbeatId, heartbeat], index) => {
        const settings = heartbeatSettingsOf(heartbeatId, heartbeat);
        const view = views[index];
        return {
          id: heartbeatId,
          service: heartbeat.service,
          interval: heartbeat.interval,
          grace: heartbeat.grace,
          intervalSeconds: settings.intervalSeconds,
          graceSeconds: settings.graceSeconds,
          // Unknown: its workflow is not running yet, or no worker answered.
          state: view?.state ?? 'unknown',
          lastPingAt: view?.lastPingAt ?? null,
          nextDeadlineAt: view?.nextDeadlineAt ?? null,
          pings: view?.pings ?? 0,
          // Late, but a maintenance window covers it: no page before this time.
          maintenanceUntil: view?.maintenanceUntil ?? null,
        };
      }),
    });
  });

  return router;
}
