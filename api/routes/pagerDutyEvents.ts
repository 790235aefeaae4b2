import { Router, type Request, type Response } from 'express';
import type { VigilConfig } from '../../domain/config';
import { pagerDutyAdapter, pagerDutyAlert, readPagerDutyEvent, type RecalledTrigger } from '../adapters/pagerduty';
import { changeSchema, parsePagerDutyChange } from '../adapters/pagerdutyChange';
import { errorResponse, unavailable, storeUnavailable, type SenderRoute } from './operationParts';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import type { ChangeEvents } from '../records/changeEvents';
import type { SenderTriggers } from '../records/senderTriggers';
import { triggerStore } from './triggerStore';
import { requestIdFor } from '../intake/alertIdentity';
import { AdapterInputError } from '../adapters/types';
import { acceptAlerts } from '../intake/receive';
import type { IntegrationDeps } from './integrations';
import { sameSecret } from '../http/sameSecret';
import { HttpError } from '../http/httpErrors';
import { idempotencyKeyOf } from './idempotencyKey';


/** An error both PagerDuty clients (`status`, `message`, `errors`) and Vigil clients (`error`, `details`) read. */
function refuse(res: Response, status: number, message: string, field: string, detail: string): void {
  res.status(status).json({ status: 'invalid event', message, errors: [detail], error: message, details: [{ field, message: detail }] });
}

/** The integration whose token is this routing key, among those of source `pagerduty`. */
function integrationFor(config: VigilConfig, env: NodeJS.ProcessEnv, routingKey: string): string | undefined {
  for (const [id, integration] of Object.entries(config.integrations)) {
    const token = env[integration.tokenEnv];
    if (integration.source === 'pagerduty' && token && sameSecret(token, routingKey)) return id;
  }
  return undefined;
}

/** The routing key is the integration's secret: it names the integration, and stays out of the digest. */
function withoutRoutingKey(body: unknown): Record<string, unknown> {
  return { ...(body as Record<string, unknown>), routing_key: undefined };
}

/** The request's Idempotency-Key; false after answering 400 in PagerDuty's shape for a malformed one. */
function idempotencyKeyOr400(req: Request, res: Response): string | undefined | false {
  try {
    return idempotencyKeyOf(req);
  } catch (error) {
    if (error instanceof HttpError) {
      refuse(res, 400, error.message, 'headers.idempotency-key', error.details[0]?.message ?? error.message);
      return false;
    }
    throw error;
  }
}

/** PagerDuty Events API v2 and Change Events, as the OpenAPI document shows them. */
export const pagerDutySenderRoute: SenderRoute = {
  id: 'pagerduty',
  description: 'PagerDuty Events API v2 and Change Events compatible endpoints',
  authentication: {
    credential: "the body's routing_key: the token of an integration of source pagerduty",
    checked: 'compared in constant time with each pagerduty integration\'s token; no match is a 401 in PagerDuty\'s error shape',
  },
  operations: [
    {
      method: 'post',
      path: '/v2/enqueue',
      summary: 'PagerDuty Events API v2 compatible: trigger, acknowledge, resolve (the routing key is a pagerduty integration token)',
      request: { body: { required: true, content: { 'application/json': { schema: pagerDutyAdapter.body, example: pagerDutyAdapter.example } } } },
      responses: {
        '202': { description: 'held, answered as PagerDuty does: {status, message, dedup_key}' },
        '400': errorResponse('invalid event (PagerDuty and Vigil error fields)'),
        '401': errorResponse('unknown routing key'),
        '413': errorResponse('body too large'),
        ...unavailable,
      },
    },
    {
      method: 'post',
      path: '/v2/change/enqueue',
      summary: 'PagerDuty Change Events compatible: recorded, paging nobody, shown on incidents of the service as recent changes',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: changeSchema,
              example: { routing_key: '<token>', payload: { summary: 'Deploy checkout v2.14.0', timestamp: '2026-11-24T08:30:00Z', source: 'ci.example.com' }, links: [{ href: 'https://ci.example.com/builds/4711', text: 'build 4711' }] },
            },
          },
        },
      },
      responses: {
        '202': { description: 'recorded: {status, message}' },
        '400': errorResponse('invalid change event'),
        '401': errorResponse('unknown routing key'),
        '413': errorResponse('body too large'),
        ...storeUnavailable,
      },
    },
  ],
};

/**
 * `POST /v2/enqueue`, answering as PagerDuty's Events API v2 does (`202 {status, message,
 * dedup_key}`), so a sender configured for PagerDuty needs only Vigil's URL.
 */
export function pagerDutyEventRoutes(deps: IntegrationDeps & { changes?: ChangeEvents; triggers?: SenderTriggers }): Router {
  const router = Router();
  const triggers = triggerStore(deps.triggers);

  /** The integration the body's routing key names, or undefined after answering 401. */
  function routedIntegration(req: Request, res: Response): string | undefined {
    const routingKey = (req.body as { routing_key?: unknown } | undefined)?.routing_key;
    const integrationId = typeof routingKey === 'string' ? integrationFor(deps.config, deps.env, routingKey) : undefined;
    if (!integrationId) {
      deps.onRefused('pagerduty');
      refuse(res, 401, 'Invalid routing key', 'body.routing_key', 'not the token of a pagerduty integration');
    }
    return integrationId;
  }

  /**
   * `POST /v2/change/enqueue`, PagerDuty's Change Events: recorded, paging nobody, and shown on
   * incidents of the same service as recent changes.
   */
  router.post('/v2/change/enqueue', async (req, res) => {
    const integrationId = routedIntegration(req, res);
    if (!integrationId) return;
    let change;
    try {
      change = parsePagerDutyChange(req.body, { defaultService: deps.config.integrations[integrationId].service, now: new Date() });
    } catch (error) {
      if (error instanceof AdapterInputError) return refuse(res, 400, 'Event object is invalid', error.field, `${error.field}: ${error.message}`);
      throw error;
    }
    const idempotencyKey = idempotencyKeyOr400(req, res);
    if (idempotencyKey === false) return;
    if (!deps.changes) throw new BackendUnavailableError(new Error('no change store configured'), 'change events cannot be recorded');
    // Derived as an alert's id is (decision 36), so a sender's retry is recorded once, on any replica.
    const now = new Date();
    const id = await requestIdFor(deps.receive.ids ?? {}, integrationId, { route: '/v2/change/enqueue', body: withoutRoutingKey(req.body), idempotencyKey }, now);
    try {
      await deps.changes.record({ ...change, id, receivedAt: now.toISOString() });
    } catch (error) {
      throw new BackendUnavailableError(error, 'the change store is unavailable');
    }
    res.status(202).json({ status: 'success', message: 'Change event processed' });
  });

  /**
   * A trigger opens or joins the incident of its dedup key and is remembered under it. An
   * acknowledge or resolve carries only the key: it takes its trigger's service (and summary,
   * severity, labels, so the event policy treats it as it treated the trigger) whatever the
   * integration's service says; one whose trigger Vigil never saw changes nothing (202, as PagerDuty).
   */
  router.post('/v2/enqueue', async (req, res) => {
    const integrationId = routedIntegration(req, res);
    if (!integrationId) return;
    const defaultService = deps.config.integrations[integrationId].service;
    let alert;
    try {
      const event = readPagerDutyEvent(req.body);
      let recalled: RecalledTrigger | undefined;
      if (event.event_action !== 'trigger' && event.dedup_key) {
        recalled = await triggers.recall(integrationId, event.dedup_key);
        if (!recalled && triggers.configured && !event.payload) {
          res.status(202).json({ status: 'success', message: 'Event processed (no open trigger with this dedup_key)', dedup_key: event.dedup_key });
          return;
        }
      }
      alert = pagerDutyAlert(event, { defaultService, recalled });
    } catch (error) {
      if (error instanceof AdapterInputError) return refuse(res, 400, 'Event object is invalid', error.field, `${error.field}: ${error.message}`);
      throw error;
    }
    const idempotencyKey = idempotencyKeyOr400(req, res);
    if (idempotencyKey === false) return;
    if (alert.status === 'firing') {
      const { service, summary, severity, source, labels } = alert;
      await triggers.remember(integrationId, alert.dedupKey, { service, summary, severity, source, labels });
    }
    await acceptAlerts(deps, [alert], integrationId, { route: '/v2/enqueue', body: withoutRoutingKey(req.body), idempotencyKey });
    res.status(202).json({ status: 'success', message: 'Event processed', dedup_key: alert.dedupKey });
  });
  return router;
}
