import { Router } from 'express';
import type { VigilConfig } from '../../domain/config';
import { POLICY_KINDS, POLICY_RENDERERS, type PolicyKind } from '../../domain/policyDocuments';
import { markdown, type ResourceRoutes } from './operationParts';

/**
 * The Event, Incident and Problem Management Policy documents, as Markdown rendered from the
 * configuration this process runs with. Rendered per request: cheap, and never stale.
 */
export function policyRoutes(deps: { config: VigilConfig }): Router {
  const router = Router();
  for (const kind of POLICY_KINDS) {
    router.get(`/v1/policies/${kind}`, (_req, res) => {
      res.type('text/markdown').send(POLICY_RENDERERS[kind](deps.config));
    });
  }
  return router;
}

/** What each policy document holds, as the OpenAPI document says it: one per kind, so a new kind needs its line. */
const POLICY_SUMMARIES: Record<PolicyKind, string> = {
  event: 'Event Management Policy, rendered from the running configuration',
  incident: 'Incident Management Policy: severities, escalation paths, communication plans, roles, reviews',
  problem: 'Problem Management Policy: recurrence thresholds, roles, analysis and closure',
};

/** The policy routes as `/openapi.json` shows them. */
export const policyOperations: ResourceRoutes = {
  id: 'policies',
  operations: POLICY_KINDS.map((kind) => ({
    method: 'get' as const,
    path: `/v1/policies/${kind}`,
    summary: POLICY_SUMMARIES[kind],
    responses: { '200': { description: 'Markdown', content: markdown } },
  })),
};
