/**
 * Post-incident reviews. The draft is computed from the resolved incident's own durable view (the
 * workflow's final state, which Temporal keeps), so it cannot drift from what happened; only the
 * human sections (what went well, what went badly, action items) are stored beside it.
 */
import { ROLE_TITLES, SINGLE_ROLES, type IncidentRoles } from './incidentRoles';
import { formatDurationSeconds as formatDuration, parseDurationSeconds } from './duration';
import { mdBullets, mdClean, mdTable, mdText as inline } from './markdown';
import type { Channel } from './escalation';
import type { IncidentView, RunbookStepResult, StatusUpdate } from './incident';
import type { Severity } from './severity';

/** The seed process's SEV numbers for Vigil's severities. */
export const SEV_LEVEL: Record<Severity, string> = { critical: 'SEV1', error: 'SEV2', warning: 'SEV3', info: 'SEV4' };

/** The problem an incident is linked to, as the incident carries it (when problem management linked one). */
export type LinkedProblem = NonNullable<IncidentView['problem']>;

export interface ReviewPage {
  name: string;
  responderId: string;
  channel: Channel;
  level: number;
  at: string;
  outcome: string;
}

export interface ReviewAcknowledgement {
  at: string;
  by: string;
}

/** Everything the review states from the record, before anyone writes a word. */
export interface ReviewDraft {
  incidentId: string;
  code: string;
  summary: string;
  severity: Severity;
  /** SEV1..SEV4, as the seed process names severities. */
  sevLevel: string;
  service: string;
  /** Impact window: the first alert to the resolution. */
  impact: { from: string; to: string; seconds: number };
  /** First acknowledgement after the first alert; null when nobody acknowledged. */
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number;
  resolvedBy: string;
  /** True when the runbook's verify step resolved the incident (nobody had to act). */
  resolvedByRunbook: boolean;
  paged: ReviewPage[];
  /** Every acknowledgement, oldest first (an incident escalated again may be acknowledged twice). */
  acknowledgements: ReviewAcknowledgement[];
  runbook?: { id: string; steps: RunbookStepResult[] };
  statusUpdates: StatusUpdate[];
  problem?: LinkedProblem;
  /** Timeline entries lost to the cap on long timelines: the acknowledgements listed may be incomplete. */
  timelineTruncated: number;
  /** Who declared the incident by hand (absent: an alert opened it). */
  declaredBy?: string;
  /** Who held the incident roles at the end (absent: nobody was assigned one). */
  roles?: IncidentRoles;
  /** Every role assignment, oldest first, with who made it (absent: none). */
  roleChanges?: Array<{ at: string; by: string; text: string }>;
}

export interface ActionItem {
  what: string;
  owner: string;
  /** Calendar date, YYYY-MM-DD. */
  due: string;
  done: boolean;
}

/** The sections people write; empty in a fresh draft. */
export interface ReviewNotes {
  wentWell: string[];
  wentBadly: string[];
  actionItems: ActionItem[];
  /** Set when a responder marks the review complete. */
  completedAt?: string;
  completedBy?: string;
  updatedAt?: string;
  updatedBy?: string;
}

export const EMPTY_NOTES: ReviewNotes = { wentWell: [], wentBadly: [], actionItems: [] };

/** Which reviews are owed, and by when (from config `reviews`). */
export interface ReviewPolicy {
  requiredFor: Severity[];
  dueWithinSeconds: number;
}

export const DEFAULT_REVIEW_POLICY: ReviewPolicy = { requiredFor: ['critical', 'error'], dueWithinSeconds: 5 * 86_400 };

export type ReviewStatus = 'draft' | 'completed';

/** The review as the API answers it: the draft, the human sections, and where it stands. */
export interface Review extends ReviewDraft, ReviewNotes {
  status: ReviewStatus;
  required: boolean;
  /** When a required review is due (resolution + the configured time); absent when not required. */
  dueAt?: string;
  overdue: boolean;
}

/** The review policy of a validated config's `reviews` section. */
export function reviewPolicyOf(config: { reviews: { requiredFor: Severity[]; dueWithin: string } }): ReviewPolicy {
  return { requiredFor: [...config.reviews.requiredFor], dueWithinSeconds: parseDurationSeconds(config.reviews.dueWithin) as number };
}

/** Thrown when a review is asked of an incident that has not resolved (the API answers 409). */
export class IncidentNotResolvedError extends Error {
  constructor(
    readonly incidentId: string,
    readonly code: string,
    readonly status: string,
  ) {
    super(`incident ${code} is ${status}, not resolved: its review is drafted when it resolves`);
    this.name = 'IncidentNotResolvedError';
  }
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}

/**
 * Acknowledgements from the timeline, plus the view's own when the timeline lost it. The view
 * alone is not enough: an incident escalated again after an acknowledgement clears it.
 */
function acknowledgementsOf(view: IncidentView): ReviewAcknowledgement[] {
  const found = view.timeline.filter((entry) => entry.kind === 'acknowledged').map((entry) => ({ at: entry.at, by: entry.by ?? entry.text.replace(/^acknowledged by /, '') }));
  if (view.acknowledgedAt && view.acknowledgedBy && !found.some((ack) => ack.at === view.acknowledgedAt)) {
    found.push({ at: view.acknowledgedAt, by: view.acknowledgedBy });
  }
  return found.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/**
 * The review draft of a resolved incident, from its final view.
 * @throws IncidentNotResolvedError when the incident is still open.
 */
export function draftReview(view: IncidentView): ReviewDraft {
  if (view.status !== 'resolved' || !view.resolvedAt) throw new IncidentNotResolvedError(view.id, view.code, view.status);
  const firstAlertAt = [view.createdAt, ...(view.alerts ?? []).map((alert) => alert.firstAt)].reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  const acknowledgements = acknowledgementsOf(view);
  const resolvedBy = view.resolvedBy ?? 'unknown';
  const roleChanges = view.timeline.filter((entry) => entry.kind === 'role').map((entry) => ({ at: entry.at, by: entry.by ?? 'unknown', text: entry.text }));
  return {
    incidentId: view.id,
    code: view.code,
    summary: view.summary,
    severity: view.severity,
    sevLevel: SEV_LEVEL[view.severity],
    service: view.service,
    impact: { from: firstAlertAt, to: view.resolvedAt, seconds: secondsBetween(firstAlertAt, view.resolvedAt) },
    timeToAcknowledgeSeconds: acknowledgements.length > 0 ? secondsBetween(firstAlertAt, acknowledgements[0].at) : null,
    timeToResolveSeconds: secondsBetween(firstAlertAt, view.resolvedAt),
    resolvedBy,
    resolvedByRunbook: resolvedBy.startsWith('runbook '),
    paged: view.paged.map((page) => ({ name: page.name, responderId: page.responderId, channel: page.channel, level: page.level, at: page.at, outcome: page.outcome })),
    acknowledgements,
    ...(view.runbook ? { runbook: { id: view.runbook.id, steps: view.runbook.steps.map((step) => ({ ...step })) } } : {}),
    statusUpdates: (view.updates ?? []).map((update) => ({ ...update })),
    ...(view.problem ? { problem: { ...view.problem } } : {}),
    timelineTruncated: view.timelineTruncated,
    ...(view.declaredBy ? { declaredBy: view.declaredBy } : {}),
    ...(view.roles ? { roles: JSON.parse(JSON.stringify(view.roles)) as IncidentRoles } : {}),
    ...(roleChanges.length > 0 ? { roleChanges } : {}),
  };
}

/** When a required review falls due; undefined when the severity needs none. */
export function reviewDueAt(draft: Pick<ReviewDraft, 'severity' | 'impact'>, policy: ReviewPolicy): Date | undefined {
  if (!policy.requiredFor.includes(draft.severity)) return undefined;
  return new Date(Date.parse(draft.impact.to) + policy.dueWithinSeconds * 1000);
}

/** A required review not completed by its due time. */
export function isReviewOverdue(dueAt: Date | undefined, notes: Pick<ReviewNotes, 'completedAt'> | undefined, now: Date): boolean {
  return dueAt !== undefined && !notes?.completedAt && now.getTime() > dueAt.getTime();
}

/** The draft with the human sections (empty until someone writes them) and its standing at `now`. */
export function reviewOf(draft: ReviewDraft, notes: ReviewNotes | undefined, policy: ReviewPolicy, now: Date): Review {
  const dueAt = reviewDueAt(draft, policy);
  const human = notes ?? EMPTY_NOTES;
  return {
    ...draft,
    wentWell: [...human.wentWell],
    wentBadly: [...human.wentBadly],
    actionItems: human.actionItems.map((item) => ({ ...item })),
    ...(human.completedAt ? { completedAt: human.completedAt, completedBy: human.completedBy } : {}),
    ...(human.updatedAt ? { updatedAt: human.updatedAt, updatedBy: human.updatedBy } : {}),
    status: human.completedAt ? 'completed' : 'draft',
    required: dueAt !== undefined,
    ...(dueAt ? { dueAt: dueAt.toISOString() } : {}),
    overdue: isReviewOverdue(dueAt, human, now),
  };
}

/** The review as a Markdown document, for pasting into a wiki or a ticket. */
export function renderReviewMarkdown(review: Review): string {
  const lines: string[] = [];
  lines.push(`# Post-incident review: ${inline(review.summary)}`, '');
  lines.push(`Incident ${review.code} · ${review.severity} (${review.sevLevel}) · service ${inline(review.service)}`, '');
  const standing = review.status === 'completed' ? `completed by ${inline(review.completedBy ?? 'unknown')} at ${review.completedAt}` : 'draft';
  const due = review.required ? `required, due ${review.dueAt}${review.overdue ? ' (overdue)' : ''}` : 'not required for this severity';
  lines.push(`Status: ${standing}; ${due}.`, '');

  lines.push('## Summary', '');
  const acknowledgedBy = [...new Set(review.acknowledgements.map((ack) => ack.by))];
  const facts: string[][] = [
    ['Impact window', `${review.impact.from} → ${review.impact.to} (${formatDuration(review.impact.seconds)})`],
    ['Time to acknowledge', review.timeToAcknowledgeSeconds === null ? 'never acknowledged' : formatDuration(review.timeToAcknowledgeSeconds)],
    ['Time to resolve', formatDuration(review.timeToResolveSeconds)],
    ['Resolved by', `${inline(review.resolvedBy)}${review.resolvedByRunbook ? ' (automatically, by its runbook)' : ''}`],
    ['Acknowledged by', acknowledgedBy.length > 0 ? acknowledgedBy.map(inline).join(', ') : 'nobody'],
  ];
  if (review.declaredBy) facts.push(['Declared by', inline(review.declaredBy)]);
  if (review.problem) facts.push(['Linked problem', `${inline(review.problem.title)} (${inline(review.problem.id)})`]);
  lines.push(...mdTable(['Fact', 'Value'], facts), '');

  lines.push('## Who was paged, who acknowledged', '');
  if (review.paged.length === 0) lines.push('_Nobody was paged._');
  for (const page of review.paged) lines.push(`- ${page.at}: ${inline(page.name)} by ${page.channel}, level ${page.level}: ${inline(page.outcome)}`);
  for (const ack of review.acknowledgements) lines.push(`- ${ack.at}: acknowledged by ${inline(ack.by)}`);
  if (review.timelineTruncated > 0) lines.push('', `_The timeline was truncated (${review.timelineTruncated} entries): early acknowledgements may be missing._`);
  lines.push('');

  lines.push('## Incident roles', '');
  const roles = review.roles;
  if (!roles) lines.push('_No incident role was assigned._');
  else {
    for (const role of SINGLE_ROLES) if (roles[role]) lines.push(`- ${ROLE_TITLES[role]}: ${inline(roles[role].name)}`);
    if (roles.responders?.length) lines.push(`- responders: ${roles.responders.map((holder) => inline(holder.name)).join(', ')}`);
  }
  for (const change of review.roleChanges ?? []) lines.push(`- ${change.at}: ${inline(change.text)}`);
  lines.push('');

  lines.push('## Runbook', '');
  if (!review.runbook) lines.push('_No runbook ran._');
  else {
    lines.push(`Runbook ${inline(review.runbook.id)}:`, '');
    if (review.runbook.steps.length === 0) lines.push('_It stopped before its first step._');
    for (const step of review.runbook.steps) lines.push(`- ${step.at}: ${step.step} ${step.ok ? 'ok' : 'failed'}: ${inline(step.summary)}`);
  }
  lines.push('');

  lines.push('## Status updates sent', '');
  if (review.statusUpdates.length === 0) lines.push('_No status update was posted._');
  for (const update of review.statusUpdates) lines.push(`- ${update.at}, ${inline(update.by)}: ${inline(update.text)}${update.eta ? ` (ETA ${update.eta})` : ''}`);
  lines.push('');

  if (review.problem?.workaround) lines.push('## Known workaround', '', inline(review.problem.workaround), '');

  lines.push('## What went well', '', ...mdBullets(review.wentWell.map(inline), 'To be written.'), '');
  lines.push('## What went badly', '', ...mdBullets(review.wentBadly.map(inline), 'To be written.'), '');
  lines.push('## Action items', '');
  if (review.actionItems.length === 0) lines.push('_None yet._');
  for (const item of review.actionItems) lines.push(`- [${item.done ? 'x' : ' '}] ${inline(item.what)} (owner ${inline(item.owner)}, due ${item.due})`);
  lines.push('');
  // Fields not passed through `inline` (times, step names) are cleaned too.
  return mdClean(lines.join('\n'));
}
