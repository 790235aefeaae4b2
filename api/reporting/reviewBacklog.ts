/**
 * Required post-incident reviews not yet completed, for `GET /v1/reviews` and the dashboard.
 * Found from what is already kept: resolved incidents of the required severities in Temporal
 * visibility, minus the reviews the store has as completed. No list of owed reviews is kept
 * that could drift from the incidents themselves.
 */
import { draftReview, isReviewOverdue, reviewDueAt, SEV_LEVEL, type ReviewPolicy } from '../../domain/review';
import type { Severity } from '../../domain/severity';
import type { IncidentGateway, IncidentSummary } from '../gateways/incidentGateway';
import type { IncidentReviews } from '../records/incidentReviews';

/** Resolved incidents looked at per required severity, newest first. */
const SCAN_PER_SEVERITY = 500;
/** Incidents read in full (for their resolution time) per request, in batches of READ_BATCH. */
const MAX_READS = 200;
const READ_BATCH = 10;

export interface PendingReview {
  incidentId: string;
  code: string;
  summary: string;
  service: string;
  severity: Severity;
  sevLevel: string;
  resolvedAt: string;
  dueAt: string;
  overdue: boolean;
  status: 'draft';
}

export interface BacklogDeps {
  gateway: IncidentGateway;
  reviews: IncidentReviews;
  policy: ReviewPolicy;
}

/** Open required reviews, newest incident first; only overdue ones with `overdueOnly`. */
export async function pendingReviews(deps: BacklogDeps, options: { overdueOnly: boolean; limit: number; now: Date }): Promise<PendingReview[]> {
  const { policy } = deps;
  const { now } = options;
  const listed = await Promise.all(policy.requiredFor.map((severity) => deps.gateway.list({ status: 'resolved', severity, limit: SCAN_PER_SEVERITY })));
  const byId = new Map<string, IncidentSummary>();
  for (const summary of listed.flat()) {
    if (summary.status === 'resolved' && policy.requiredFor.includes(summary.severity)) byId.set(summary.id, summary);
  }
  // An incident resolves after it opens: one opened within the due time cannot be overdue yet.
  const latestOverdueOpening = now.getTime() - policy.dueWithinSeconds * 1000;
  const candidates = [...byId.values()]
    .filter((summary) => !options.overdueOnly || Date.parse(summary.createdAt) < latestOverdueOpening)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const completed = await deps.reviews.completedAmong(candidates.map((summary) => summary.id));
  const unreviewed = candidates.filter((summary) => !completed.has(summary.id)).slice(0, MAX_READS);

  const found: PendingReview[] = [];
  for (let start = 0; start < unreviewed.length && found.length < options.limit; start += READ_BATCH) {
    const views = await Promise.all(unreviewed.slice(start, start + READ_BATCH).map((summary) => deps.gateway.get(summary.id)));
    for (const view of views) {
      if (!view || view.status !== 'resolved') continue;
      const draft = draftReview(view);
      const dueAt = reviewDueAt(draft, policy);
      if (!dueAt) continue;
      const overdue = isReviewOverdue(dueAt, undefined, now);
      if (options.overdueOnly && !overdue) continue;
      found.push({
        incidentId: draft.incidentId,
        code: draft.code,
        summary: draft.summary,
        service: draft.service,
        severity: draft.severity,
        sevLevel: SEV_LEVEL[draft.severity],
        resolvedAt: draft.impact.to,
        dueAt: dueAt.toISOString(),
        overdue,
        status: 'draft',
      });
    }
  }
  return found.slice(0, options.limit);
}
