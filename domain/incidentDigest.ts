/**
 * One open incident as a dashboard row: the facts a responder scans for (who holds it, what is
 * being done, when it should be over, whom to call next), derived from the incident's view and
 * the escalation policy in config. Pure, so the rules are unit-tested without Temporal.
 */
import type { VigilConfig } from './config';
import { onCallLookup, parseTargetRef, policyIdForService } from './config';
import type { IncidentView } from './incident';
import { incidentRowFacts, type IncidentRowFacts } from './incidentRowFacts';

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

/** The listing's part of a row: what visibility's attributes and memo say of every incident. */
export type DigestBase = Pick<IncidentView, 'id' | 'code' | 'workflowId' | 'status' | 'severity' | 'service' | 'summary' | 'createdAt'>;

/** A row from the listing's part and the incident's row facts (its memo, or derived from its view). */
export function digestFromFacts(base: DigestBase, facts: IncidentRowFacts, config: VigilConfig, now: Date): IncidentDigest {
  const policyId = facts.policyId ?? policyIdForService(config, base.service);
  const escalateTo = base.status === 'resolved' ? undefined : nextEscalationContacts(config, policyId, facts.level, now);
  return {
    id: base.id,
    code: base.code,
    workflowId: base.workflowId,
    status: base.status,
    severity: base.severity,
    service: base.service,
    summary: base.summary,
    createdAt: base.createdAt,
    escalation: { level: facts.level, exhausted: facts.exhausted, ...(facts.nextLevelAt ? { nextLevelAt: facts.nextLevelAt } : {}) },
    heldBy: facts.heldBy,
    ...(facts.eta ? { eta: facts.eta } : {}),
    ...(facts.action ? { action: facts.action } : {}),
    ...(escalateTo ? { escalateTo } : {}),
  };
}

export function digestIncident(view: IncidentView, config: VigilConfig, now: Date): IncidentDigest {
  return digestFromFacts(view, incidentRowFacts(view), config, now);
}
