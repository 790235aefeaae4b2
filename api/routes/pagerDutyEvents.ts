import { Router, type Request, type Response } from 'express';
import type { VigilConfig } from '../../domain/config';
import { randomUUID } from 'node:crypto';
import { pagerDutyAlert, readPagerDutyEvent, type RecalledTrigger } from '../adapters/pagerduty';
import { parsePagerDutyChange } from '../adapters/pagerdutyChange';
import { TemporalUnavailableError } from '../incidentGateway';
import type { ChangeEvents } from '../records/changeEvents';
import type { SenderTriggers } from '../records/senderTriggers';
import { AdapterInputError } from '../adapters/types';
import { deliverAlerts } from '../intake/receive';
import type { IntegrationDeps } from './integrations';
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
export function pagerDutyEventRoutes(deps: IntegrationDeps & { changes?: ChangeEvents; triggers?: SenderTriggers }): Router {
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

  /** The store of triggers by dedup key, or a 503 (it is what lets a bare resolve find its trigger). */
  async function withTriggers<T>(work: (triggers: SenderTriggers) => Promise<T>): Promise<T | undefined> {
    if (!deps.triggers) return undefined;
    try {
      return await work(deps.triggers);
    } catch (error) {
      throw new TemporalUnavailableError(error, 'the trigger store is unavailable');
    }
  }

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
        recalled = await withTriggers((triggers) => triggers.recall(integrationId, event.dedup_key as string));
        if (!recalled && deps.triggers && !event.payload) {
          res.status(202).json({ status: 'success', message: 'Event processed (no open trigger with this dedup_key)', dedup_key: event.dedup_key });
          return;
        }
      }
      alert = pagerDutyAlert(event, { defaultService, recalled });
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
    if (alert.status === 'firing') {
      const { service, summary, severity, source, labels } = alert;
      await withTriggers((triggers) => triggers.remember(integrationId, alert.dedupKey, { service, summary, severity, source, labels }));
    }
    // The routing key is the integration's secret: it names the integration, and stays out of the digest.
    const body = { ...(req.body as Record<string, unknown>), routing_key: undefined };
    await deliverAlerts(deps, [alert], integrationId, { route: '/v2/enqueue', body, idempotencyKey });
    res.status(202).json({ status: 'success', message: 'Event processed', dedup_key: alert.dedupKey });
  });
  return router;
}
