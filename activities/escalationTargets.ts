/**
 * Who a level of an escalation policy pages, decided when the level fires: schedules give whoever
 * is on call at that moment (a hand-off during an incident pages the new on-call), teams their
 * members as configured now. Recorded in the workflow's history as the activity's result.
 */
import type { VigilConfig } from '../domain/config';
import { parseTargetRef, responderOf } from '../domain/config';
import type { Responder } from '../domain/escalation';
import { nextWindowStart, type Restriction } from '../domain/schedule';

export interface ResolvedTargets {
  responders: Responder[];
  /** What could not be resolved (a schedule with nobody on call), for the timeline. */
  notes: string[];
}

export interface EscalationTargetDeps {
  config: VigilConfig;
  /** The contact on call on a schedule at an instant (undefined: nobody). */
  onCall: (scheduleId: string, at: Date) => string | undefined;
  now?: () => Date;
}

/** Pure: the people a list of targets names at `at`, each once, in order. */
export function resolveTargets(deps: EscalationTargetDeps, refs: readonly string[], at: Date): ResolvedTargets {
  const ids: string[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    const { kind, target } = parseTargetRef(ref);
    if (kind === 'user') ids.push(target);
    else if (kind === 'team') ids.push(...(deps.config.teams[target]?.members ?? []));
    else {
      const userId = deps.onCall(target, at);
      if (userId) ids.push(userId);
      else notes.push(`nobody is on call on schedule ${target}`);
    }
  }
  const known = [...new Set(ids)].filter((id) => {
    if (deps.config.contacts[id]) return true;
    notes.push(`no contact "${id}" in the current config`);
    return false;
  });
  return { responders: known.map((id) => responderOf(deps.config, id)), notes };
}

export function createEscalationActivities(deps: EscalationTargetDeps) {
  return {
    /** When business hours next open (now, when they are open), for low-urgency pages. */
    async businessHoursOpen(input: { timeZone: string; windows: Restriction[] }): Promise<{ opensAtMs: number }> {
      const now = deps.now?.() ?? new Date();
      return { opensAtMs: nextWindowStart(input.windows, input.timeZone, now).getTime() };
    },
    async resolveLevelTargets(input: { refs: string[] }): Promise<ResolvedTargets> {
      return resolveTargets(deps, input.refs, deps.now?.() ?? new Date());
    },
  };
}

export type EscalationActivities = ReturnType<typeof createEscalationActivities>;
