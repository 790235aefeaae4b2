import { Router } from 'express';
import type { VigilConfig } from '../../domain/config';
import { POLICY_KINDS, POLICY_RENDERERS } from '../../domain/policyDocuments';

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
