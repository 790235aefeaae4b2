import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { VigilConfig } from '../../domain/config';
import { ConfigError } from '../../domain/config';
import { ADAPTERS, ADAPTER_IDS, type AdapterId } from '../adapters/index';
import { AdapterInputError, type AlertAdapter, type SourceAlert } from '../adapters/types';
import type { AlarmState, AlarmStates } from '../records/alarmStates';
import { HttpError } from '../http/httpErrors';
import { acceptAlerts, type ReceiveDeps } from '../intake/receive';
import { idempotencyKeyOf } from './idempotencyKey';
import { sameSecret } from '../http/sameSecret';
import { bodyErrors, errorResponse, pathParam, unavailable, type SenderRoute } from './operationParts';

export interface IntegrationDeps {
  receive: ReceiveDeps;
  config: VigilConfig;
  env: NodeJS.ProcessEnv;
  onRefused: (integrationId: string) => void;
  /** Newest state change per alarm (SQL store): needed by sources whose changes may come out of order (eventbridge); without it they answer 503. */
  alarmStates?: AlarmStates;
}

/** Every adapter's body, and its example by source id: what a sender may post to an integration. */
function adapterBodies() {
  const adapters = Object.values(ADAPTERS);
  const [first, ...rest] = adapters.map((adapter) => adapter.body);
  return {
    required: true,
    description: "The body of the integration's source (its `source` in config): one of these",
    content: {
      'application/json': {
        schema: z.union([first, ...rest]),
        examples: Object.fromEntries(adapters.map((adapter) => [adapter.id, { summary: adapter.description, value: adapter.example }])),
      },
    },
  };
}

/** The shared route of every adapter-read source, as the OpenAPI document shows it. */
export const integrationSenderRoute: SenderRoute = {
  id: 'integrations',
  description: `Webhooks of monitoring tools, read by the integration's adapter (${ADAPTER_IDS.join(', ')})`,
  authentication: {
    credential: "the integration's token (its tokenEnv): as Bearer, as the password of Basic auth, in the integration's tokenHeader, or as the last path segment",
    checked: 'compared in constant time with the token of the integration named in the path; an unknown integration and a wrong token get the same 401',
  },
  operations: (['post', 'put'] as const).flatMap((method) =>
    [false, true].map((tokenInPath) => ({
      method,
      path: tokenInPath ? '/v1/integrations/{integrationId}/{token}' : '/v1/integrations/{integrationId}',
      summary:
        method === 'put'
          ? 'The same for senders configured to PUT (grafana integrations only)'
          : tokenInPath
            ? 'The same, with the token in the path for senders that cannot set headers'
            : "A monitoring tool's webhook, read by the integration's adapter (token as Bearer)",
      ...(tokenInPath ? {} : { security: [{ integrationToken: [] }] }),
      parameters: tokenInPath ? [pathParam('integrationId'), pathParam('token')] : [pathParam('integrationId')],
      request: { body: adapterBodies() },
      responses: {
        ...(method === 'post' ? { '200': { description: 'every alert reports a state change older than one already taken (eventbridge): nothing done, status "stale"' } } : {}),
        '202': { description: 'every alert held' },
        '400': errorResponse('not the source format'),
        '401': errorResponse('token'),
        ...(method === 'put' ? { '405': errorResponse('this integration takes POST only') } : {}),
        ...bodyErrors,
        ...unavailable,
      },
    })),
  ),
};

/** Fails at start, naming the field, when an integration names a source Vigil has no adapter for. */
function checkSources(config: VigilConfig): void {
  const issues = Object.entries(config.integrations)
    .filter(([, integration]) => !(integration.source in ADAPTERS))
    .map(([id, integration]) => ({ path: `integrations.${id}.source`, message: `unknown source "${integration.source}" (known: ${ADAPTER_IDS.join(', ')})` }));
  if (issues.length > 0) throw new ConfigError('integrations', issues);
}

/**
 * `POST /v1/integrations/:id` (token as `Authorization: Bearer`, or as the password of Basic auth for
 * senders that only do Basic, e.g. some Grafana and Datadog setups) and `/v1/integrations/:id/:token`
 * (token in the path, for senders that cannot set headers). The body is read by the integration's
 * adapter; firing alerts open or join incidents, resolved ones are noted on their open incident.
 * 2xx only once every alert of the request is held (by Temporal, or by the spool while it is down).
 */
export function integrationRoutes(deps: IntegrationDeps): Router {
  checkSources(deps.config);
  const router = Router();

  /** The credential a request presents: path token, the integration's own token header, Bearer token, or the password of Basic auth. */
  function presentedSecret(req: Request, integrationId: string, pathToken: string | undefined): string | undefined {
    if (pathToken) return pathToken;
    // A sender that names its own header (an EventBridge connection's API key) presents the token there.
    const tokenHeader = deps.config.integrations[integrationId]?.tokenHeader;
    const custom = tokenHeader ? req.get(tokenHeader) : undefined;
    if (custom) return custom;
    const header = req.get('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (bearer) return bearer;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
    if (!basic) return undefined;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const expectedUser = deps.config.integrations[integrationId]?.basicAuthUser;
    // With a user configured, Basic auth must name it; the password is the integration token.
    if (expectedUser !== undefined && !sameSecret(expectedUser, decoded.slice(0, colon))) return undefined;
    return decoded.slice(colon + 1);
  }

  function authenticate(req: Request, integrationId: string, pathToken: string | undefined): void {
    const integration = deps.config.integrations[integrationId];
    const expected = integration ? deps.env[integration.tokenEnv] : undefined;
    const presented = presentedSecret(req, integrationId, pathToken);
    // One answer for an unknown integration and a wrong token: probing learns nothing.
    if (!expected || !presented || !sameSecret(expected, presented)) {
      // Only configured ids become metric labels: a path is attacker-chosen.
      deps.onRefused(integration ? integrationId : 'unknown');
      const tokenHeader = integration?.tokenHeader;
      // Naming the configured header it came in makes the failure count as a guess (authFailureGuard).
      const field = tokenHeader && req.get(tokenHeader) ? `headers.${tokenHeader.toLowerCase()}` : 'authorization';
      throw new HttpError(
        401,
        'unknown integration or wrong token',
        [{ field, message: `expected the integration token as a Bearer header, the password of Basic auth, ${tokenHeader ? `the ${tokenHeader} header, ` : ''}or a URL path segment` }],
        {},
        { 'www-authenticate': 'Bearer, Basic realm="vigil"' },
      );
    }
  }

  /**
   * Takes the state changes of a request's alerts (adapters with `stateChangeOf`) in the SQL store,
   * leaving out each alert whose change is older than, or the same as, the newest seen for its
   * key: a late or repeated delivery neither reopens nor resolves. `undo` gives the changes back
   * when the alerts could not be held, so the sender's retry is heard.
   */
  async function takeStateChanges(adapter: AlertAdapter, parsed: SourceAlert[], integrationId: string) {
    const taken: Array<{ key: string; change: AlarmState; previous?: AlarmState }> = [];
    const undo = () => Promise.all(taken.map(({ key, change, previous }) => deps.alarmStates?.restore(key, change, previous).catch(() => undefined)));
    const kept: SourceAlert[] = [];
    if (!adapter.stateChangeOf) return { kept: parsed, stale: 0, undo };
    for (const alert of parsed) {
      const found = adapter.stateChangeOf(alert);
      if (!found) {
        kept.push(alert);
        continue;
      }
      if (!deps.alarmStates) throw new HttpError(503, `${adapter.id} alerts need the SQL store`);
      // Per integration: another integration's deliveries of the same alarm keep their own order.
      const key = `${integrationId}/${found.key}`;
      const change = { state: found.state, at: found.at };
      let advance;
      try {
        advance = await deps.alarmStates.advance(key, change);
      } catch {
        await undo();
        throw new HttpError(503, 'the state store is unavailable; try again');
      }
      if (advance.advanced) {
        taken.push({ key, change, previous: advance.previous });
        kept.push(alert);
      }
    }
    return { kept, stale: parsed.length - kept.length, undo };
  }

  async function receive(req: Request, integrationId: string) {
    const integration = deps.config.integrations[integrationId];
    const adapter = ADAPTERS[integration.source as AdapterId];
    const idempotencyKey = idempotencyKeyOf(req);
    let parsed;
    try {
      parsed = adapter.parse(req.body, { defaultService: integration.service, email: integration.email });
    } catch (error) {
      if (error instanceof AdapterInputError) throw new HttpError(400, `not a valid ${adapter.id} payload`, [{ field: error.field, message: error.message }]);
      throw error;
    }
    const { kept, stale, undo } = await takeStateChanges(adapter, parsed, integrationId);
    // Every alert older than one already seen: answered 200 so the sender stops retrying.
    if (kept.length === 0 && stale > 0) return { httpStatus: 200, body: { status: 'stale', alerts: 0, stale } };
    try {
      const delivered = await acceptAlerts(deps, kept, integrationId, { route: '/v1/integrations', body: req.body, idempotencyKey });
      return { httpStatus: 202, body: { status: 'accepted', alerts: kept.length, ...(stale > 0 ? { stale } : {}), ...delivered } };
    } catch (error) {
      await undo();
      throw error;
    }
  }

  async function answer(req: Request, res: Response, integrationId: string) {
    const { httpStatus, body } = await receive(req, integrationId);
    res.status(httpStatus).json(body);
  }

  /** Senders whose webhook may be set to PUT (Grafana's contact point offers POST or PUT). */
  const PUT_SOURCES = new Set<string>(['grafana']);

  function refusePut(integrationId: string): void {
    const source = deps.config.integrations[integrationId]?.source;
    if (!PUT_SOURCES.has(source)) {
      throw new HttpError(405, 'this integration takes POST', [{ field: 'method', message: `PUT is accepted only for ${[...PUT_SOURCES].join(', ')} integrations` }], {}, { allow: 'POST' });
    }
  }

  router.post('/v1/integrations/:integrationId', async (req, res) => {
    authenticate(req, req.params.integrationId, undefined);
    await answer(req, res, req.params.integrationId);
  });
  router.post('/v1/integrations/:integrationId/:token', async (req, res) => {
    authenticate(req, req.params.integrationId, req.params.token);
    await answer(req, res, req.params.integrationId);
  });
  router.put('/v1/integrations/:integrationId', async (req, res) => {
    authenticate(req, req.params.integrationId, undefined);
    refusePut(req.params.integrationId);
    await answer(req, res, req.params.integrationId);
  });
  router.put('/v1/integrations/:integrationId/:token', async (req, res) => {
    authenticate(req, req.params.integrationId, req.params.token);
    refusePut(req.params.integrationId);
    await answer(req, res, req.params.integrationId);
  });
  return router;
}
