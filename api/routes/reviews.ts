import { Router, type Request } from 'express';
import { draftReview, IncidentNotResolvedError, renderReviewMarkdown, reviewOf, type ReviewDraft, type ReviewPolicy } from '../../domain/review';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { IncidentGateway } from '../gateways/incidentGateway';
import type { IncidentReviews } from '../records/incidentReviews';
import { pendingReviews } from '../reporting/reviewBacklog';
import { reviewBodySchema, reviewListQuerySchema } from './reviewSchemas';

/**
 * Post-incident reviews: drafted from the resolved incident, human sections from the store.
 * Reading is open like every read; filling in a review is a responder's write.
 */
export function reviewRoutes(deps: { gateway: IncidentGateway; reviews?: IncidentReviews; policy: ReviewPolicy; apiKeys: ApiKeys }): Router {
  const router = Router();
  function store(): IncidentReviews {
    if (!deps.reviews) throw new HttpError(503, 'no review store is configured');
    return deps.reviews;
  }

  /** The draft of a resolved incident; 404 for none, 409 for one still open. */
  async function draftOf(incidentId: string): Promise<ReviewDraft> {
    const incident = await deps.gateway.get(incidentId);
    if (!incident) throw new HttpError(404, `no incident ${incidentId}`, [{ field: 'id', message: 'no such incident' }]);
    try {
      return draftReview(incident);
    } catch (error) {
      if (!(error instanceof IncidentNotResolvedError)) throw error;
      throw new HttpError(409, error.message, [{ field: 'id', message: `the incident is ${error.status}; a review needs it resolved` }], { incidentStatus: error.status });
    }
  }

  function wantsMarkdown(req: Request): boolean {
    return req.accepts(['application/json', 'text/markdown']) === 'text/markdown';
  }

  router.get('/v1/incidents/:id/review', async (req, res) => {
    const draft = await draftOf(req.params.id);
    const notes = deps.reviews ? await deps.reviews.get(draft.incidentId) : undefined;
    const review = reviewOf(draft, notes, deps.policy, new Date());
    res.vary('Accept');
    if (wantsMarkdown(req)) res.type('text/markdown').send(renderReviewMarkdown(review));
    else res.json(review);
  });

  router.put('/v1/incidents/:id/review', async (req, res) => {
    const by = requireRole(req, deps.apiKeys, 'responder');
    const edit = parseOr400(reviewBodySchema, req.body ?? {}, 'body');
    const reviews = store();
    const draft = await draftOf(req.params.id);
    const now = new Date();
    const notes = await reviews.save(draft.incidentId, edit, by, now);
    res.json(reviewOf(draft, notes, deps.policy, now));
  });

  router.get('/v1/reviews', async (req, res) => {
    const query = parseOr400(reviewListQuerySchema, req.query, 'query');
    const reviews = await pendingReviews({ gateway: deps.gateway, reviews: store(), policy: deps.policy }, { overdueOnly: query.overdue === 'true', limit: query.limit, now: new Date() });
    res.json({ reviews });
  });

  return router;
}
