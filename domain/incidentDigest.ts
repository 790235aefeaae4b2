/**
 * One open incident as a dashboard row: the facts a responder scans for (who holds it, what is
 * being done, when it should be over, whom to call next), derived from the incident's view and
 * the escalation policy in config. Pure, so the rules are unit-tested without Temporal.
 */
import type { VigilConfig } from './config';
import { onCallLookup, parseTargetRef, policyIdForService } from './config';
import type { IncidentView } from './incident';

export interface IncidentDigest extends Pick<IncidentView, 'id' | 'code' | 'workflowId' | 'status' | 'severity' | 'service' | 'summary' | 'createdAt'> {
  escalation: Pick<IncidentView['escalation'], 'level' | 'exhausted' | 'nextLevelAt'>;
  /** Who has it: whoever acknowledged, else the people paged at the current level (empty before the first page). */
  heldBy: string[];
  /** Expected resolution, from the newest status update that gave one. */
  eta?: string;
  /** What is being done: the newest runbook step or status update. */
  action?: { at: string; kind: 'runbook' | 'update'; text: string };
  /** Whom to call to escalate: the next level of the policy, resolved now, or who is told when it runs out. */
  escalateTo?: { label: string; names: string[] };
}

/** Display names of a level's targets now: contacts, team members, whoever is on call. */
function targetNames(config: VigilConfig, refs: string[], now: Date): string[] {
  let onCall: ReturnType<typeof onCallLookup> | undefined;
  const contactName = (contactId: string) => (Object.hasOwn(config.contacts, contactId) ? config.contacts[contactId].name : contactId);
  const names = refs.flatMap((ref) => {
    const { kind, target } = parseTargetRef(ref);
    if (kind === 'user') return [contactName(target)];
    if (kind === 'team') return (Object.hasOwn(config.teams, target) ? config.teams[target].members : []).map(contactName);
    onCall ??= onCallLookup(config);
    const userId = onCall(target, now);
    return userId ? [contactName(userId)] : [];
  });
  return [...new Set(names)];
}

/** The level after the one last paged (1-based `level`), or the policy's `onExhausted` after the last. */
export function nextEscalationContacts(config: VigilConfig, policyId: string, level: number, now: Date): IncidentDigest['escalateTo'] {
  if (!Object.hasOwn(config.escalationPolicies, policyId)) return undefined;
  const policy = config.escalationPolicies[policyId];
  const next = policy.levels[level];
  if (next) return { label: `level ${level + 1}`, names: targetNames(config, next.notify, now) };
  if (policy.onExhausted) return { label: 'after the last level', names: targetNames(config, policy.onExhausted.notify, now) };
  return undefined;
}

export function digestIncident(view: IncidentView, config: VigilConfig, now: Date): IncidentDigest {
  const { escalation } = view;
  const heldBy =
    view.status === 'acknowledged' && view.acknowledgedBy
      ? [view.acknowledgedBy]
      : [...new Set(view.paged.filter((page) => page.level === escalation.level && page.cycle === escalation.cycle).map((page) => page.name))];
  const eta = [...(view.updates ?? [])].reverse().find((update) => update.eta)?.eta;
  const actionEntry = [...view.timeline].reverse().find((entry) => entry.kind === 'runbook' || entry.kind === 'update');
  const policyId = escalation.policyId ?? policyIdForService(config, view.service);
  const escalateTo = view.status === 'resolved' ? undefined : nextEscalationContacts(config, policyId, escalation.level, now);
  return {
    id: view.id,
    code: view.code,
    workflowId: view.workflowId,
    status: view.status,
    severity: view.severity,
    service: view.service,
    summary: view.summary,
    createdAt: view.createdAt,
    escalation: { level: escalation.level, exhausted: escalation.exhausted, ...(escalation.nextLevelAt ? { nextLevelAt: escalation.nextLevelAt } : {}) },
    heldBy,
    ...(eta ? { eta } : {}),
    ...(actionEntry ? { action: { at: actionEntry.at, kind: actionEntry.kind as 'runbook' | 'update', text: actionEntry.text } } : {}),
    ...(escalateTo ? { escalateTo } : {}),
  };
}
