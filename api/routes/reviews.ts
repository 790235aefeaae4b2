import { Router, type Request } from 'express';
import { draftReview, IncidentNotResolvedError, renderReviewMarkdown, reviewOf, type ReviewDraft, type ReviewPolicy } from '../../domain/review';
import { requireRole, type ApiKeys } from '../access/auth';
import { HttpError, parseOr400 } from '../http/httpErrors';
import type { IncidentGateway } from '../gateways/incidentGateway';
import type { IncidentReviews } from '../records/incidentReviews';
import type { IncidentChatGateway } from '../gateways/chatGateway';
import type { Logger } from 'pino';
import { pendingReviews } from '../reporting/reviewBacklog';
import { z } from 'zod';
import { pendingReviewSchema, reviewBodySchema, reviewListQuerySchema, reviewSchema } from './reviewSchemas';
import { apiKeySecurity, errorAnswers, idParam, json, markdown, queryParameters, unavailable, writeRefusals, type ResourceRoutes } from './operationParts';

/**
 * Post-incident reviews: drafted from the resolved incident, human sections from the store.
 * Reading is open like every read; filling in a review is a responder's write.
 */
export function reviewRoutes(deps: { gateway: IncidentGateway; reviews?: IncidentReviews; policy: ReviewPolicy; apiKeys: ApiKeys; chatSide?: IncidentChatGateway; logger?: Logger }): Router {
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
    // The incident's chat room may be archived now (#16); the review is saved whatever chat says.
    if (edit.completed && deps.chatSide) {
      await deps.chatSide.reviewCompleted(draft.incidentId).catch((error: unknown) => deps.logger?.warn({ err: error, incident: draft.incidentId }, 'could not tell the chat side the review is completed'));
    }
    res.json(reviewOf(draft, notes, deps.policy, now));
  });

  router.get('/v1/reviews', async (req, res) => {
    const query = parseOr400(reviewListQuerySchema, req.query, 'query');
    const reviews = await pendingReviews({ gateway: deps.gateway, reviews: store(), policy: deps.policy }, { overdueOnly: query.overdue === 'true', limit: query.limit, now: new Date() });
    res.json({ reviews });
  });

  return router;
}

const reviewStoreUnavailable = errorAnswers({ '503': 'Temporal or the review store unavailable' });

/** The review routes as `/openapi.json` shows them. */
export const reviewOperations: ResourceRoutes = {
  id: 'reviews',
  operations: [
    {
      method: 'get',
      path: '/v1/incidents/{id}/review',
      summary: 'The post-incident review of a resolved incident: drafted from its timeline, with what responders wrote (JSON, or Markdown with Accept: text/markdown)',
      parameters: [idParam],
      responses: {
        '200': { description: 'the review', content: { ...json(reviewSchema), ...markdown } },
        ...errorAnswers({ '400': 'id not decodable (bad percent-encoding)', '404': 'no such incident', '409': 'the incident is not resolved yet' }),
        ...unavailable,
      },
    },
    {
      method: 'put',
      path: '/v1/incidents/{id}/review',
      summary: 'Fill in the human sections of a review (what went well, what went badly, action items), replacing them; completed: true marks it done',
      security: apiKeySecurity,
      parameters: [idParam],
      request: { body: { required: true, content: json(reviewBodySchema) } },
      responses: {
        '200': { description: 'the review', content: json(reviewSchema) },
        ...errorAnswers({ '400': 'invalid body, or id not decodable', '404': 'no such incident', '409': 'the incident is not resolved yet' }),
        ...writeRefusals('responder or operations-manager'),
        ...reviewStoreUnavailable,
      },
    },
    {
      method: 'get',
      path: '/v1/reviews',
      summary: 'Required post-incident reviews not yet completed, newest incident first (overdue=true: only those past due)',
      parameters: queryParameters(reviewListQuerySchema),
      responses: {
        '200': { description: 'open reviews', content: json(z.object({ reviews: z.array(pendingReviewSchema) })) },
        ...errorAnswers({ '400': 'invalid query' }),
        ...reviewStoreUnavailable,
      },
    },
  ],
};
