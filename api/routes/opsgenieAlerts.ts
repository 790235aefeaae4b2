/**
 * Opsgenie's Alert API (`/v2/alerts`), answering as Opsgenie does (`202 {result, took,
 * requestId}`), so Alertmanager's `opsgenie_configs` and any Opsgenie client need only Vigil's
 * URL and an integration token as their `GenieKey`. Create opens or joins the incident of its
 * alias; acknowledge, close and add-note find it by alias, by incident id or by its short code
 * (`identifierType=alias|id|tiny`), always within what this integration itself created.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { VigilConfig } from '../../domain/config';
import { OPSGENIE_LIMITS, opsgenieAdapter, opsgenieAlert, readOpsgenieCreate, truncate } from '../adapters/opsgenie';
import { AdapterInputError, type SourceAlert } from '../adapters/types';
import { HttpError } from '../http/httpErrors';
import type { IncidentGateway } from '../gateways/incidentGateway';
import { BackendUnavailableError } from '../gateways/incidentGateway';
import { requestIdFor } from '../intake/alertIdentity';
import type { RememberedTrigger, SenderTriggers } from '../records/senderTriggers';
import { sameSecret } from '../http/sameSecret';
import { idempotencyKeyOf } from './idempotencyKey';
import { triggerStore } from './triggerStore';
import { acceptAlerts } from '../intake/receive';
import type { IntegrationDeps } from './integrations';
import { bodyErrors, errorResponse, pathParam, unavailable, type SenderRoute } from './operationParts';

export interface OpsgenieDeps extends IntegrationDeps {
  gateway: IncidentGateway;
  /** Where each alias's create is remembered, so an acknowledge or close by alias finds its service. */
  triggers?: SenderTriggers;
}

/** Milliseconds since `started`, as Opsgenie's `took` (seconds). */
function tookSince(started: number): number {
  return Math.round(Date.now() - started) / 1000;
}

/**
 * An error both Opsgenie clients (`message`, `errors`, `took`, `requestId`) and Vigil clients
 * (`error`, `details` naming the field) read.
 */
function opsgenieError(status: number, message: string, field: string, detail: string, started: number, headers: Record<string, string> = {}): HttpError {
  const errorsField = field.replace(/^(body|query|path)\./, '');
  return new HttpError(
    status,
    message,
    [{ field, message: detail }],
    { message, ...(status === 422 ? { errors: { [errorsField]: detail } } : {}), took: tookSince(started), requestId: randomUUID() },
    headers,
  );
}

/** The integration whose token is this GenieKey, among those of source `opsgenie`. */
function integrationFor(config: VigilConfig, env: NodeJS.ProcessEnv, key: string): string | undefined {
  for (const [id, integration] of Object.entries(config.integrations)) {
    const token = env[integration.tokenEnv];
    if (integration.source === 'opsgenie' && token && sameSecret(token, key)) return id;
  }
  return undefined;
}

const actionBodySchema = z.object({
  user: z.string().optional(),
  source: z.string().optional(),
  note: z.string().optional(),
});

const noteBodySchema = actionBodySchema.extend({
  note: z.string({ error: 'Note can not be empty.' }).refine((text) => text.trim().length > 0, { message: 'Note can not be empty.' }),
});

const IDENTIFIER_TYPES = ['id', 'alias', 'tiny'] as const;
type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/** What an identifier names: the key of an incident this integration created, and its create. */
interface Target {
  alias: string;
  trigger: RememberedTrigger;
}

/** Opsgenie's Alert API as the OpenAPI document shows it; errors carry Opsgenie's fields beside Vigil's. */
export const opsgenieSenderRoute: SenderRoute = (() => {
  const genieKey = [{ genieKey: [] }];
  const accepted = { description: 'held, answered as Opsgenie does: {result: "Request will be processed", took, requestId}' };
  const common = {
    '400': errorResponse('invalid Idempotency-Key header'),
    '401': errorResponse('no GenieKey, or not the token of an opsgenie integration'),
    '422': errorResponse('invalid body field or identifierType (Opsgenie: message, errors; Vigil: details naming the field)'),
    ...bodyErrors,
    ...unavailable,
  };
  const identifierType = { name: 'identifierType', in: 'query' as const, required: false, schema: { type: 'string' as const, enum: [...IDENTIFIER_TYPES], default: 'id' } };
  const action = (name: string, summary: string, body: z.ZodType, required: boolean) => ({
    method: 'post' as const,
    path: `/v2/alerts/{identifier}/${name}`,
    summary,
    security: genieKey,
    parameters: [pathParam('identifier'), identifierType],
    request: { body: { required, content: { 'application/json': { schema: body, example: { user: 'alice', source: 'runbook', note: 'failing over to acquirer A' } } } } },
    responses: { '202': accepted, '404': errorResponse('no alert of this integration with that identifier (Opsgenie: "Alert does not exist")'), ...common },
  });
  return {
    id: 'opsgenie',
    description: 'Opsgenie Alert API compatible endpoints: create, acknowledge, close, add-note',
    authentication: {
      credential: 'Authorization: GenieKey <token of an integration of source opsgenie>',
      checked: "compared in constant time with each opsgenie integration's token; acknowledge, close and notes reach only incidents that integration created",
    },
    operations: [
      {
        method: 'post',
        path: '/v2/alerts',
        summary: 'Opsgenie Alert API compatible create: opens or joins the incident of its alias (message cut to 130 characters, as Opsgenie does)',
        security: genieKey,
        request: { body: { required: true, content: { 'application/json': { schema: opsgenieAdapter.body, example: opsgenieAdapter.example } } } },
        responses: { '202': accepted, ...common },
      },
      action('acknowledge', 'Opsgenie compatible acknowledge of the open incident of an alias, incident id or short code', actionBodySchema, false),
      action('close', "Opsgenie compatible close: the sender says the alert is over (the service's autoResolve decides)", actionBodySchema, false),
      action('notes', "Opsgenie compatible add-note: a note on the open incident's timeline", noteBodySchema, true),
    ],
  };
})();

export function opsgenieAlertRoutes(deps: OpsgenieDeps): Router {
  const router = Router();
  const triggers = triggerStore(deps.triggers);

  /** The integration the GenieKey names. @throws HttpError 401 (counted by the failed-authentication guard when a key was presented). */
  function authenticate(req: Request, started: number): string {
    const key = /^GenieKey\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const integrationId = key ? integrationFor(deps.config, deps.env, key) : undefined;
    if (!integrationId) {
      deps.onRefused('opsgenie');
      throw opsgenieError(401, 'Could not authenticate', 'authorization', 'expected "GenieKey <token>" with the token of an opsgenie integration', started, { 'www-authenticate': 'GenieKey' });
    }
    return integrationId;
  }

  function validBody<T extends z.ZodType>(schema: T, body: unknown, started: number): z.output<T> {
    const result = schema.safeParse(body ?? {});
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const field = ['body', ...issue.path].join('.');
    throw opsgenieError(422, 'Request body is not processable. Please check the errors.', field, issue.message, started);
  }

  function identifierTypeOf(req: Request, started: number): IdentifierType {
    const raw = req.query.identifierType ?? 'id';
    if (typeof raw === 'string' && (IDENTIFIER_TYPES as readonly string[]).includes(raw)) return raw as IdentifierType;
    throw opsgenieError(422, 'Request is not processable. Please check the errors.', 'query.identifierType', 'identifierType should be one of id, alias, tiny', started);
  }

  /**
   * The alert an identifier names. An alias is looked up among this integration's creates (its
   * service comes from there, whatever the integration's own service says); an incident id or
   * short code must name an incident of one of them: a GenieKey never reaches another sender's incidents.
   */
  async function targetOf(integrationId: string, identifier: string, type: IdentifierType, started: number): Promise<Target> {
    const notFound = () => opsgenieError(404, 'Alert does not exist', 'path.identifier', `no alert of this integration with ${type} "${identifier.slice(0, 200)}"`, started);
    if (type === 'alias') {
      const trigger = await triggers.recall(integrationId, identifier);
      if (trigger) return { alias: identifier, trigger };
      throw notFound();
    }
    const incidentIds = type === 'id' ? [identifier] : await deps.gateway.findOpenByCode(identifier.toUpperCase());
    for (const incidentId of incidentIds) {
      const incident = await deps.gateway.get(incidentId);
      if (!incident || incident.source !== 'opsgenie') continue;
      const trigger = await triggers.recall(integrationId, incident.dedupKey);
      if (trigger && trigger.service === incident.service) return { alias: incident.dedupKey, trigger };
    }
    throw notFound();
  }

  function accepted(started: number, requestId: string) {
    return { result: 'Request will be processed', took: tookSince(started), requestId };
  }

  /** A note on the open incident of the target; its id repeats on the sender's retry, so it lands once. */
  async function addNote(integrationId: string, target: Target, note: { text: string; user?: string }, request: { route: string; body: unknown; idempotencyKey?: string }) {
    const id = await requestIdFor(deps.receive.ids ?? {}, integrationId, request, new Date());
    const by = truncate(note.user || integrationId, OPSGENIE_LIMITS.user);
    return deps.gateway.noteOpen({ service: target.trigger.service, dedupKey: target.alias }, { id, by, via: 'opsgenie', text: truncate(note.text, OPSGENIE_LIMITS.note) });
  }

  router.post('/v2/alerts', async (req, res) => {
    const started = Date.now();
    const integrationId = authenticate(req, started);
    let alert: SourceAlert;
    try {
      alert = opsgenieAlert(readOpsgenieCreate(req.body), { defaultService: deps.config.integrations[integrationId].service });
    } catch (error) {
      if (error instanceof AdapterInputError) throw opsgenieError(422, 'Request body is not processable. Please check the errors.', error.field, error.message, started);
      throw error;
    }
    const idempotencyKey = idempotencyKeyOf(req);
    const { service, summary, severity, source, labels } = alert;
    await triggers.remember(integrationId, alert.dedupKey, { service, summary, severity, source, labels });
    await acceptAlerts(deps, [alert], integrationId, { route: '/v2/alerts', body: req.body, idempotencyKey });
    res.status(202).json(accepted(started, randomUUID()));
  });

  /** What every action on an existing alert reads first: its credential, body and target incident. */
  async function actionRequest<T extends z.ZodType>(req: Request, schema: T) {
    const started = Date.now();
    const integrationId = authenticate(req, started);
    const type = identifierTypeOf(req, started);
    const body = validBody(schema, req.body, started);
    const idempotencyKey = idempotencyKeyOf(req);
    const target = await targetOf(integrationId, String(req.params.identifier), type, started);
    return { started, integrationId, body, idempotencyKey, target };
  }

  for (const action of ['acknowledge', 'close'] as const) {
    router.post(`/v2/alerts/:identifier/${action}`, async (req, res) => {
      const { started, integrationId, body, idempotencyKey, target } = await actionRequest(req, actionBodySchema);
      const request = { route: `/v2/alerts/${action}`, body: { identifier: target.alias, ...body }, idempotencyKey };
      // The note first, while the incident is surely open (a close may resolve it).
      if (body.note?.trim()) await addNote(integrationId, target, { text: body.note, user: body.user }, { ...request, route: `${request.route}/note` });
      const alert: SourceAlert = {
        ...target.trigger,
        dedupKey: target.alias,
        source: 'opsgenie',
        details: { ...(body.user !== undefined ? { user: body.user } : {}), ...(body.source !== undefined ? { source: body.source } : {}) },
        status: action === 'acknowledge' ? 'acknowledged' : 'resolved',
      };
      await acceptAlerts(deps, [alert], integrationId, request);
      res.status(202).json(accepted(started, randomUUID()));
    });
  }

  router.post('/v2/alerts/:identifier/notes', async (req, res) => {
    const { started, integrationId, body, idempotencyKey, target } = await actionRequest(req, noteBodySchema);
    const noted = await addNote(integrationId, target, { text: body.note, user: body.user }, { route: '/v2/alerts/notes', body: { identifier: target.alias, ...body }, idempotencyKey });
    if (!noted) throw opsgenieError(404, 'Alert does not exist', 'path.identifier', 'its incident is no longer open; notes are kept only on open incidents', started);
    res.status(202).json(accepted(started, randomUUID()));
  });

  return router;
}
