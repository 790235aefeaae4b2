import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { digestQuerySchema } from './dashboard';
import { SEVERITY_WORDS } from '../../domain/severity';
import {
  ackBodySchema,
  alertAcceptedSchema,
  escalateBodySchema,
  reassignBodySchema,
  alertBodySchema,
  errorSchema,
  eventListQuerySchema,
  eventRecordSchema,
  incidentListQuerySchema,
  maintenanceBodySchema,
  maintenanceListQuerySchema,
  maintenanceWindowSchema,
  resolveBodySchema,
  statusUpdateBodySchema,
} from './schemas';
import { pendingReviewSchema, reviewBodySchema, reviewListQuerySchema, reviewSchema } from './reviewSchemas';
import { closeProblemBodySchema, openProblemBodySchema, problemListQuerySchema, rcaBodySchema } from './problemSchemas';
import { kpiQuerySchema, kpiReportSchema } from './kpiSchemas';
import { codecBodySchema } from './codec';
import { bodyErrors, errorResponse, json, storeUnavailable, unavailable } from './operationParts';
import { SENDER_ROUTES } from './senderRoutes';

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const bearer = [{ apiKey: [] }];

/** A valid key whose role may not make this write (see docs/roles.md); the answer names the role needed. */
const forbidden = (role: string) => ({ '403': errorResponse(`the key's role may not: needs ${role}`) });
const markdown = { 'text/markdown': { schema: { type: 'string' } } };

/**
 * The alert body, with what the schema checks in code written out for JSON Schema: `severity`
 * is required unless `status` is `resolved`, and is a refinement (any of these words, compared trimmed and case-insensitively), `summary` is
 * trimmed before its length check, and `labels` holds at most 64 entries.
 */
function alertBodyContent() {
  const content = json(alertBodySchema);
  const { properties } = content['application/json'].schema as { properties: Record<string, Record<string, unknown>> };
  properties.severity = { ...properties.severity, enum: SEVERITY_WORDS };
  properties.summary = { ...properties.summary, pattern: '\\S' };
  properties.labels = { ...properties.labels, maxProperties: 64 };
  // The refinement: a firing alert (status absent or "firing") needs a severity.
  Object.assign(content['application/json'].schema, { if: { properties: { status: { const: 'resolved' } }, required: ['status'] }, else: { required: ['severity'] } });
  return content;
}

function queryParameters(schema: z.ZodObject) {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, unknown> };
  return Object.entries(jsonSchema.properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

/** Temporal's codec server protocol (`api/routes/codec.ts`): the Temporal UI and CLI decode history payloads here. */
function codecOperation(operation: 'decode' | 'encode') {
  return {
    post: {
      summary: `${operation === 'decode' ? 'Decrypt' : 'Encrypt'} Temporal payloads (codec server protocol; any valid API key)`,
      security: bearer,
      parameters: [{ name: 'x-namespace', in: 'header', required: false, schema: { type: 'string' } }],
      requestBody: { required: true, content: json(codecBodySchema) },
      responses: {
        '200': { description: 'the payloads, each through the codec', content: json(codecBodySchema) },
        '400': errorResponse(`a malformed body, another namespace, or a payload that cannot be ${operation}d`),
        '401': errorResponse('no or unknown API key'),
        '413': errorResponse('body too large'),
        '503': errorResponse('payload encryption is not configured'),
      },
    },
  };
}

/** A responder's action on one incident: API key, the incident id, a JSON body, the incident back. */
/**
 * The answer to an acknowledge (docs/decisions.md, "losing acks"): the incident, and whether it was
 * acknowledged before this call. 200 either way: the incident is acknowledged, as asked.
 */
const acknowledgeAnswerSchema = z
  .object({
    id: z.string(),
    code: z.string(),
    status: z.enum(['acknowledged']),
    acknowledgedBy: z.string().describe('who holds the acknowledgement: this caller, or whoever won'),
    acknowledgedAt: z.string().describe('when it was acknowledged (ISO-8601)'),
    alreadyAcknowledged: z.boolean().describe('true when the incident was acknowledged before this call (another responder, a replica, an SMS, or this caller retrying)'),
  })
  .loose();

function incidentAction(summary: string, body: z.ZodType, options: { bodyRequired?: boolean; ok?: '200' | '201'; badRequest?: string; answer?: { description: string; schema: z.ZodType } } = {}) {
  return {
    post: {
      summary,
      security: bearer,
      parameters: [idParam],
      requestBody: { required: options.bodyRequired ?? false, content: json(body) },
      responses: {
        [options.ok ?? '200']: options.answer ? { description: options.answer.description, content: json(options.answer.schema) } : { description: 'the incident' },
        '400': errorResponse(options.badRequest ?? 'invalid body, or id not decodable'),
        '401': errorResponse('API key'),
        ...forbidden('responder or operations-manager'),
        '404': errorResponse('no such incident'),
        '409': errorResponse('already resolved'),
        ...bodyErrors,
        ...unavailable,
      },
    },
  };
}

/** Problems: open reads, a problem manager's writes (docs/problems.md). */
function problemPaths() {
  const problemsUnavailable = { '503': errorResponse('Temporal unavailable, or problems not configured') };
  const write = (summary: string, body: z.ZodType, options: { bodyRequired: boolean; conflict: string }) => ({
    post: {
      summary,
      security: bearer,
      parameters: [idParam],
      requestBody: { required: options.bodyRequired, content: json(body) },
      responses: {
        '200': { description: 'the problem' },
        '400': errorResponse('invalid body'),
        '401': errorResponse('API key'),
        ...forbidden('problem-manager or operations-manager'),
        '404': errorResponse('no such problem'),
        '409': errorResponse(options.conflict),
        ...bodyErrors,
        ...problemsUnavailable,
      },
    },
  });
  return {
    '/v1/problems': {
      get: {
        summary: 'List problems (recurring incidents), newest first',
        parameters: queryParameters(problemListQuerySchema),
        responses: { '200': { description: 'problems' }, '400': errorResponse('invalid query'), ...problemsUnavailable },
      },
      post: {
        summary: 'Open a problem by hand and link incidents to it; later recurrences of its key join it',
        security: bearer,
        requestBody: { required: true, content: json(openProblemBodySchema) },
        responses: {
          '201': { description: 'the problem' },
          '400': errorResponse('invalid body, or an unknown incident id'),
          '401': errorResponse('API key'),
          ...forbidden('problem-manager or operations-manager'),
          '409': errorResponse('an open problem already tracks this key'),
          ...bodyErrors,
          ...problemsUnavailable,
        },
      },
    },
    '/v1/problems/{id}': {
      get: {
        summary: 'One problem: its incidents (the newest 100, and a count), workaround and root-cause analysis',
        parameters: [idParam],
        responses: { '200': { description: 'the problem' }, '400': errorResponse('id not decodable (bad percent-encoding)'), '404': errorResponse('no such problem'), ...problemsUnavailable },
      },
    },
    '/v1/problems/{id}/rca': write('Record the root-cause analysis (root cause, contributing factors, corrective actions with owner and due date) and the workaround', rcaBodySchema, {
      bodyRequired: true,
      conflict: 'the problem is closed',
    }),
    '/v1/problems/{id}/close': write('Close the problem: needs a root cause and at least one corrective action', closeProblemBodySchema, {
      bodyRequired: false,
      conflict: 'closed already, or no root cause and corrective action recorded',
    }),
  };
}

/**
 * Vigil's own resources (incidents, problems, reviews, schedules, ...), written as OpenAPI path
 * items whose bodies and queries come from the zod schemas the routes validate with. Senders'
 * routes are not here: each declares its operations beside its handler (`routes/senderRoutes.ts`).
 */
function resourcePaths(): Record<string, Record<string, object>> {
  return {
      '/v1/alerts': {
        post: {
          summary: 'Submit an alert; 202 once it is durably held (by Temporal, the spool, or as a recorded event)',
          parameters: [
            {
              name: 'idempotency-key',
              in: 'header',
              required: false,
              description: 'A retry with the same key and body counts once (docs/integrations.md, "Retries count once")',
              // The bare form; the quoted form of the IETF draft is taken too.
              schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21\\x23-\\x7e]+$' },
            },
          ],
          requestBody: { required: true, content: alertBodyContent() },
          responses: {
            '202': { description: 'accepted', content: json(alertAcceptedSchema) },
            '400': errorResponse('invalid body'),
            ...bodyErrors,
            ...unavailable,
          },
        },
      },
      '/v1/incidents': {
        get: {
          summary: 'List incidents, newest first',
          parameters: queryParameters(incidentListQuerySchema),
          responses: { '200': { description: 'incidents' }, '400': errorResponse('invalid query'), '503': errorResponse('Temporal unavailable') },
        },
      },
      '/v1/incidents/{id}': {
        get: {
          summary: 'One incident: status, escalation, pages, runbook results, timeline',
          parameters: [idParam],
          responses: { '200': { description: 'the incident' }, '400': errorResponse('id not decodable (bad percent-encoding)'), '404': errorResponse('no such incident'), ...unavailable },
        },
      },
      '/v1/incidents/{id}/ack': incidentAction('Acknowledge: stops escalation. A losing or repeated ack is answered 200 with alreadyAcknowledged: true and who acknowledged when', ackBodySchema, {
        answer: { description: 'the acknowledged incident; alreadyAcknowledged tells whether this call acknowledged it', schema: acknowledgeAnswerSchema },
      }),
      '/v1/incidents/{id}/resolve': incidentAction('Resolve: ends the incident', resolveBodySchema),
      '/v1/incidents/{id}/escalate': incidentAction('Escalate now: the next level is paged at once (an acknowledged incident is triggered again)', escalateBodySchema),
      '/v1/incidents/{id}/updates': incidentAction(
        "Post a status update: on the timeline, emailed to the communication plan's stakeholders, resets the update cadence",
        statusUpdateBodySchema,
        { bodyRequired: true, ok: '201' },
      ),
      '/v1/incidents/{id}/reassign': incidentAction('Hand the incident to a person (paged at once) or an escalation policy (starts over)', reassignBodySchema, {
        bodyRequired: true,
        badRequest: 'invalid body (unknown contact or policy), or id not decodable',
      }),
      '/v1/incidents/{id}/review': {
        get: {
          summary: 'The post-incident review of a resolved incident: drafted from its timeline, with what responders wrote (JSON, or Markdown with Accept: text/markdown)',
          parameters: [idParam],
          responses: {
            '200': { description: 'the review', content: { ...json(reviewSchema), ...markdown } },
            '400': errorResponse('id not decodable (bad percent-encoding)'),
            '404': errorResponse('no such incident'),
            '409': errorResponse('the incident is not resolved yet'),
            ...unavailable,
          },
        },
        put: {
          summary: 'Fill in the human sections of a review (what went well, what went badly, action items), replacing them; completed: true marks it done',
          security: bearer,
          parameters: [idParam],
          requestBody: { required: true, content: json(reviewBodySchema) },
          responses: {
            '200': { description: 'the review', content: json(reviewSchema) },
            '400': errorResponse('invalid body, or id not decodable'),
            '401': errorResponse('API key'),
            ...forbidden('responder or operations-manager'),
            '404': errorResponse('no such incident'),
            '409': errorResponse('the incident is not resolved yet'),
            ...bodyErrors,
            '503': errorResponse('Temporal or the review store unavailable'),
          },
        },
      },
      '/v1/reviews': {
        get: {
          summary: 'Required post-incident reviews not yet completed, newest incident first (overdue=true: only those past due)',
          parameters: queryParameters(reviewListQuerySchema),
          responses: {
            '200': { description: 'open reviews', content: json(z.object({ reviews: z.array(pendingReviewSchema) })) },
            '400': errorResponse('invalid query'),
            '503': errorResponse('Temporal or the review store unavailable'),
          },
        },
      },
      '/v1/policies/event': {
        get: { summary: 'Event Management Policy, rendered from the running configuration', responses: { '200': { description: 'Markdown', content: markdown } } },
      },
      '/v1/policies/incident': {
        get: { summary: 'Incident Management Policy: severities, escalation paths, communication plans, roles, reviews', responses: { '200': { description: 'Markdown', content: markdown } } },
      },
      '/v1/policies/problem': {
        get: { summary: 'Problem Management Policy: recurrence thresholds, roles, analysis and closure', responses: { '200': { description: 'Markdown', content: markdown } } },
      },
      '/v1/ack/{token}': {
        get: {
          summary: 'The confirm page of a one-click acknowledge link from a page email (changes nothing)',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
          responses: Object.fromEntries(['200', '404', '410', '503'].map((status) => [status, { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }])),
        },
        post: {
          summary: 'Acknowledge as the person the link was made for (a link works once, until it expires)',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            ...Object.fromEntries(['200', '404', '409', '410', '503'].map((status) => [status, { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }])),
            '413': errorResponse('body too large'),
          },
        },
      },
      '/v1/dashboard/context': {
        get: { summary: "What the dashboard needs beyond the API: the Temporal UI's address, service names, status pages", responses: { '200': { description: 'dashboard context' } } },
      },
      '/v1/dashboard/incidents': {
        get: {
          summary: 'Dashboard rows of the incidents named: who holds each, ETA, action under way, whom to call to escalate',
          parameters: queryParameters(digestQuerySchema),
          responses: { '200': { description: 'the rows found, and the ids not found' }, '400': errorResponse('no ids, or too many'), ...unavailable },
        },
      },
      '/status': {
        get: { summary: 'The configured status pages', responses: { '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } },
      },
      '/status/{id}': {
        get: {
          summary: 'A public status page: condition of its services, impact, ETA and latest published update of open incidents (no login, no internal detail)',
          parameters: [idParam],
          responses: {
            ...Object.fromEntries(['200', '404', '503'].map((status) => [status, { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }])),
            '400': errorResponse('id not decodable (bad percent-encoding)'),
          },
        },
      },
      ...problemPaths(),
      '/v1/schedules': {
        get: { summary: 'On-call schedules', responses: { '200': { description: 'schedules: id and time zone' } } },
      },
      '/v1/schedules/{id}/oncall': {
        get: {
          summary: 'Who is on call at an instant (default now), and the next hand-offs',
          parameters: [idParam, { name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } }],
          responses: { '200': { description: 'on call' }, '400': errorResponse('invalid query'), '404': errorResponse('no such schedule') },
        },
      },
      '/v1/events': {
        get: {
          summary: 'Recorded events (alerts that paged nobody, and promotions), newest first',
          parameters: queryParameters(eventListQuerySchema),
          responses: {
            '200': { description: 'events', content: json(z.object({ events: z.array(eventRecordSchema) })) },
            '400': errorResponse('invalid query'),
            ...storeUnavailable,
          },
        },
      },
      '/v1/kpis': {
        get: {
          summary: 'KPIs over a period: MTTA, MTTR, incidents by service and severity, pages per incident, runbook share, noise ratio, open problems, and a per-day series (definitions: docs/kpis.md)',
          parameters: queryParameters(kpiQuerySchema),
          responses: {
            '200': { description: 'the KPIs', content: json(kpiReportSchema) },
            '400': errorResponse('invalid query: malformed time, from not before to, or a period over 366 days'),
            '503': errorResponse('Temporal or the SQL store unavailable, or KPIs not configured'),
          },
        },
      },
      '/v1/maintenance': {
        post: {
          summary: 'Open a maintenance window: alerts it covers are recorded as suppressed events, nobody is paged',
          security: bearer,
          requestBody: { required: true, content: json(maintenanceBodySchema) },
          responses: {
            '201': { description: 'the window', content: json(maintenanceWindowSchema) },
            '400': errorResponse('invalid body'),
            '401': errorResponse('API key'),
            ...forbidden('operations-manager'),
            ...bodyErrors,
            ...storeUnavailable,
          },
        },
        get: {
          summary: 'Windows not yet over (or all, with includeEnded=true)',
          parameters: queryParameters(maintenanceListQuerySchema),
          responses: {
            '200': { description: 'windows', content: json(z.object({ windows: z.array(maintenanceWindowSchema) })) },
            '400': errorResponse('invalid query'),
            ...storeUnavailable,
          },
        },
      },
      '/v1/maintenance/{id}': {
        get: {
          summary: 'One maintenance window',
          parameters: [idParam],
          responses: { '200': { description: 'the window', content: json(maintenanceWindowSchema) }, '400': errorResponse('id not decodable'), '404': errorResponse('no such window'), ...storeUnavailable },
        },
        delete: {
          summary: 'End a maintenance window now (deletes it)',
          security: bearer,
          parameters: [idParam],
          responses: {
            '204': { description: 'deleted' },
            '400': errorResponse('id not decodable'),
            '401': errorResponse('API key'),
            ...forbidden('operations-manager'),
            '404': errorResponse('no such window'),
            ...storeUnavailable,
          },
        },
      },
      '/codec/decode': codecOperation('decode'),
      '/codec/encode': codecOperation('encode'),
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: alerts can be held (Temporal answers, or the spool takes them); shows the spool depth and age',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: on this port only with the Bearer VIGIL_METRICS_TOKEN; otherwise on the loopback metrics listener (docs/security.md)',
          responses: {
            '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': errorResponse('no or wrong metrics token'),
            '404': errorResponse('no metrics token configured: metrics are served on the metrics listener only'),
            '429': errorResponse('too many failed authentication attempts from this address'),
          },
        },
      },
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/**
 * The OpenAPI document, generated by zod-to-openapi from the senders' declarations (their zod
 * body schemas, examples and credentials) and the resource paths; `/openapi.json` serves it and
 * `test/api/openapiRoutes.test.ts` fails for a mounted route it leaves out.
 */
export function openApiDocument(): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  registry.registerComponent('securitySchemes', 'genieKey', { type: 'apiKey', in: 'header', name: 'Authorization', description: 'GenieKey <token of an opsgenie integration>' });
  registry.registerComponent('securitySchemes', 'integrationToken', {
    type: 'http',
    scheme: 'bearer',
    description: "an integration's token (also taken as the password of Basic auth, in the integration's tokenHeader, or in the path)",
  });
  for (const sender of SENDER_ROUTES) for (const operation of sender.operations) registry.registerPath(operation);
  for (const [path, item] of Object.entries(resourcePaths())) {
    for (const method of METHODS) {
      const operation = item[method] as Omit<RouteConfig, 'method' | 'path'> | undefined;
      if (operation) registry.registerPath({ method, path, ...operation });
    }
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Vigil API', version: '0.1.0', description: 'Alerts in, incidents out: acknowledge, resolve, list.' },
  });
  return document as unknown as Record<string, unknown>;
}
