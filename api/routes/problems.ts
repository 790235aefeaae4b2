import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { VigilConfig } from '../../domain/config';
import type { IncidentView } from '../../domain/incident';
import type { LinkedIncident, ProblemStatus } from '../../domain/problem';
import { recurrencePolicyFor } from '../../domain/problemConfig';
import { incidentFingerprint } from '../../domain/recurrence';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { IncidentGateway } from '../gateways/incidentGateway';
import type { ProblemGateway } from '../gateways/problemGateway';
import { ProblemConflictError, ProblemNotFoundError } from '../gateways/problemGateway';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { closeProblemBodySchema, openProblemBodySchema, problemListAnswerSchema, problemListQuerySchema, problemViewSchema, rcaBodySchema } from './problemSchemas';
import { apiKeySecurity, errorAnswers, idParam, json, queryParameters, writeRefusals, type ResourceRoutes } from './operationParts';

/** The gateway's refusals as HTTP answers: 404 for an unknown problem, 409 with the problem as it stands. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProblemNotFoundError) throw new HttpError(404, error.message, [{ field: 'id', message: 'no such problem' }]);
    if (error instanceof ProblemConflictError) throw new HttpError(409, error.message, [], error.problem ? { problem: error.problem } : {});
    throw error;
  }
}

function linkOf(incident: IncidentView): LinkedIncident {
  return { incidentId: incident.id, code: incident.code, service: incident.service, summary: incident.summary, openedAt: incident.createdAt };
}

/**
 * Problems: listing and reading are open like every read; opening, analysing and closing are a
 * problem manager's writes.
 */
export function problemRoutes(deps: { problems?: ProblemGateway; gateway: IncidentGateway; apiKeys: ApiKeys; config: VigilConfig }): Router {
  const router = Router();
  function store(): ProblemGateway {
    if (!deps.problems) throw new HttpError(503, 'problems are not available (no Temporal client configured)');
    return deps.problems;
  }

  router.get('/v1/problems', async (req, res) => {
    const query = parseOr400(problemListQuerySchema, req.query, 'query');
    const problems = await store().list({ status: query.status as ProblemStatus | undefined, service: query.service, limit: query.limit });
    res.json({ problems });
  });

  router.get('/v1/problems/:id', async (req, res) => {
    const problem = await store().get(req.params.id);
    if (!problem) throw new HttpError(404, `no problem ${req.params.id}`, [{ field: 'id', message: 'no such problem' }]);
    res.json(problem);
  });

  router.post('/v1/problems', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'problem-manager');
    const body = parseOr400(openProblemBodySchema, req.body ?? {}, 'body');
    const incidents: IncidentView[] = [];
    for (const [index, incidentId] of body.incidentIds.entries()) {
      const incident = await deps.gateway.get(incidentId);
      if (!incident) throw new HttpError(400, `no incident ${incidentId}`, [{ field: `body.incidentIds.${index}`, message: 'no such incident' }]);
      incidents.push(incident);
    }
    const first = incidents[0];
    // Keyed by the first incident's fingerprint, later recurrences of it join this problem.
    const key = body.key ?? (first ? incidentFingerprint(recurrencePolicyFor(deps.config.problems, first.service), first) : `manual/${randomUUID()}`);
    const service = body.service ?? first?.service;
    const problem = await answering(() =>
      store().open({ key, title: body.title, ...(service ? { service } : {}), ...(body.workaround ? { workaround: body.workaround } : {}), reason: `opened by hand by ${by}`, openedBy: by, incidents: incidents.map(linkOf) }),
    );
    // The open ones among them learn it too (timeline, view, review); resolved ones cannot be told.
    const brief = { id: problem.id, title: problem.title, ...(problem.workaround ? { workaround: problem.workaround } : {}) };
    await Promise.all(incidents.filter((incident) => incident.status !== 'resolved').map((incident) => deps.gateway.noteProblem(incident.id, brief)));
    res.status(201).json(problem);
  });

  router.post('/v1/problems/:id/rca', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'problem-manager');
    const body = parseOr400(rcaBodySchema, req.body ?? {}, 'body');
    res.json(await answering(() => store().recordAnalysis(req.params.id, { by, ...body })));
  });

  router.post('/v1/problems/:id/close', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'problem-manager');
    const { note } = parseOr400(closeProblemBodySchema, req.body ?? {}, 'body');
    res.json(await answering(() => store().close(req.params.id, { by, ...(note ? { note } : {}) })));
  });

  return router;
}

const problemsUnavailable = errorAnswers({ '503': 'Temporal unavailable, or problems not configured' });

/** A problem manager's write on one problem. */
function problemWrite(path: string, summary: string, body: z.ZodType, options: { bodyRequired: boolean; conflict: string }): RouteConfig {
  return {
    method: 'post',
    path,
    summary,
    security: apiKeySecurity,
    parameters: [idParam],
    request: { body: { required: options.bodyRequired, content: json(body) } },
    responses: {
      '200': { description: 'the problem', content: json(problemViewSchema) },
      ...errorAnswers({ '400': 'invalid body', '404': 'no such problem', '409': options.conflict }),
      ...writeRefusals('problem-manager or operations-manager'),
      ...problemsUnavailable,
    },
  };
}

/** The problem routes as `/openapi.json` shows them (docs/problems.md). */
export const problemOperations: ResourceRoutes = {
  id: 'problems',
  operations: [
    {
      method: 'get',
      path: '/v1/problems',
      summary: 'List problems (recurring incidents), newest first',
      parameters: queryParameters(problemListQuerySchema),
      responses: { '200': { description: 'problems', content: json(problemListAnswerSchema) }, ...errorAnswers({ '400': 'invalid query' }), ...problemsUnavailable },
    },
    {
      method: 'post',
      path: '/v1/problems',
      summary: 'Open a problem by hand and link incidents to it; later recurrences of its key join it',
      security: apiKeySecurity,
      request: { body: { required: true, content: json(openProblemBodySchema) } },
      responses: {
        '201': { description: 'the problem', content: json(problemViewSchema) },
        ...errorAnswers({ '400': 'invalid body, or an unknown incident id', '409': 'an open problem already tracks this key' }),
        ...writeRefusals('problem-manager or operations-manager'),
        ...problemsUnavailable,
      },
    },
    {
      method: 'get',
      path: '/v1/problems/{id}',
      summary: 'One problem: its incidents (the newest 100, and a count), workaround and root-cause analysis',
      parameters: [idParam],
      responses: { '200': { description: 'the problem', content: json(problemViewSchema) }, ...errorAnswers({ '400': 'id not decodable (bad percent-encoding)', '404': 'no such problem' }), ...problemsUnavailable },
    },
    problemWrite('/v1/problems/{id}/rca', 'Record the root-cause analysis (root cause, contributing factors, corrective actions with owner and due date) and the workaround', rcaBodySchema, {
      bodyRequired: true,
      conflict: 'the problem is closed',
    }),
    problemWrite('/v1/problems/{id}/close', 'Close the problem: needs a root cause and at least one corrective action', closeProblemBodySchema, {
      bodyRequired: false,
      conflict: 'closed already, or no root cause and corrective action recorded',
    }),
  ],
};
