import { Router, type Request, type Response } from 'express';
import type { VigilConfig } from '../../domain/config';
import { randomUUID } from 'node:crypto';
import { pagerDutyAdapter } from '../adapters/pagerduty';
import { parsePagerDutyChange } from '../adapters/pagerdutyChange';
import { TemporalUnavailableError } from '../incidentGateway';
import type { ChangeEvents } from '../records/changeEvents';
import { AdapterInputError } from '../adapters/types';
import { deliverAlerts, type IntegrationDeps } from './integrations';
import { sameSecret } from '../sameSecret';
import { HttpError } from '../httpErrors';
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

/**
 * `POST /v2/enqueue`, answering as PagerDuty's Events API v2 does (`202 {status, message,
 * dedup_key}`), so a sender configured for PagerDuty needs only Vigil's URL.
 */
export function pagerDutyEventRoutes(deps: IntegrationDeps & { changes?: ChangeEvents }): Router {
  const router = Router();

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
    if (!deps.changes) throw new TemporalUnavailableError(new Error('no change store configured'), 'change events cannot be recorded');
    try {
      await deps.changes.record({ ...change, id: randomUUID(), receivedAt: new Date().toISOString() });
    } catch (error) {
      throw new TemporalUnavailableError(error, 'the change store is unavailable');
    }
    res.status(202).json({ status: 'success', message: 'Change event processed' });
  });

  router.post('/v2/enqueue', async (req, res) => {
    const integrationId = routedIntegration(req, res);
    if (!integrationId) return;
    let parsed;
    try {
      parsed = pagerDutyAdapter.parse(req.body, { defaultService: deps.config.integrations[integrationId].service });
    } catch (error) {
      if (error instanceof AdapterInputError) return refuse(res, 400, 'Event object is invalid', error.field, `${error.field}: ${error.message}`);
      throw error;
    }
    let idempotencyKey: string | undefined;
    try {
      idempotencyKey = idempotencyKeyOf(req);
    } catch (error) {
      if (error instanceof HttpError) return refuse(res, 400, error.message, 'headers.idempotency-key', error.details[0]?.message ?? error.message);
      throw error;
    }
    // The routing key is the integration's secret: it names the integration, and stays out of the digest.
    const body = { ...(req.body as Record<string, unknown>), routing_key: undefined };
    await deliverAlerts(deps, parsed, integrationId, { route: '/v2/enqueue', body, idempotencyKey });
    res.status(202).json({ status: 'success', message: 'Event processed', dedup_key: parsed[0].dedupKey });
  });
  return router;
}
