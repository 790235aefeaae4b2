/**
 * The facts of an incident's dashboard row that only the incident knows (config supplies the
 * rest: whom to call next). The workflow keeps them in its memo (`workflows/incident/rowMemo.ts`),
 * so one visibility list gives every open row without a query per incident; the per-incident
 * digest derives them with the same function, so both show the same thing. Pure and cheap: the
 * workflow evaluates it after every activation.
 */
import type { IncidentView, TimelineEntry } from './incident';

/** The memo key the facts travel under. */
export const ROW_MEMO_KEY = 'row';

/** A longer action is cut here: a row shows a line, and the memo of every open row travels in one listing. */
export const MAX_ROW_ACTION_CHARS = 280;

export interface IncidentRowFacts {
  /** 1-based level last notified; 0 before any page. */
  level: number;
  exhausted: boolean;
  /** When the next level fires if nobody acknowledges. */
  nextLevelAt?: string;
  /** The policy escalating it, when one has paged (else the service's, from config). */
  policyId?: string;
  /** Who has it: whoever acknowledged, else the people paged at the current level (empty before the first page). */
  heldBy: string[];
  /** Expected resolution, from the newest status update that gave one. */
  eta?: string;
  /** What is being done: the newest runbook step or status update. */
  action?: { at: string; kind: 'runbook' | 'update'; text: string };
}

type RowSource = Pick<IncidentView, 'status' | 'acknowledgedBy' | 'escalation' | 'paged' | 'updates' | 'timeline'>;

function newest<T>(items: readonly T[] | undefined, match: (item: T) => boolean): T | undefined {
  for (let index = (items?.length ?? 0) - 1; index >= 0; index--) if (match(items![index])) return items![index];
  return undefined;
}

function clip(text: string): string {
  return text.length <= MAX_ROW_ACTION_CHARS ? text : `${text.slice(0, MAX_ROW_ACTION_CHARS - 1)}…`;
}

/** Reads `incident` without copying or changing it. */
export function incidentRowFacts(incident: RowSource): IncidentRowFacts {
  const { escalation } = incident;
  let heldBy: string[];
  if (incident.status === 'acknowledged' && incident.acknowledgedBy) heldBy = [incident.acknowledgedBy];
  else {
    const names = new Set<string>();
    for (const page of incident.paged) if (page.level === escalation.level && page.cycle === escalation.cycle) names.add(page.name);
    heldBy = [...names];
  }
  const eta = newest(incident.updates, (update) => Boolean(update.eta))?.eta;
  const action = newest<TimelineEntry>(incident.timeline, (entry) => entry.kind === 'runbook' || entry.kind === 'update');
  return {
    level: escalation.level,
    exhausted: escalation.exhausted,
    ...(escalation.nextLevelAt ? { nextLevelAt: escalation.nextLevelAt } : {}),
    ...(escalation.policyId ? { policyId: escalation.policyId } : {}),
    heldBy,
    ...(eta ? { eta } : {}),
    ...(action ? { action: { at: action.at, kind: action.kind as 'runbook' | 'update', text: clip(action.text) } } : {}),
  };
}

/** Whether a memo value is row facts this code can read (older runs have none; anything else is ignored). */
export function isIncidentRowFacts(value: unknown): value is IncidentRowFacts {
  if (typeof value !== 'object' || value === null) return false;
  const facts = value as Partial<IncidentRowFacts>;
  return typeof facts.level === 'number' && typeof facts.exhausted === 'boolean' && Array.isArray(facts.heldBy);
}
