/**
 * Escalation arithmetic. A policy is frozen into the incident when it starts (a copy, not a
 * reference to config), so editing config never changes an escalation already under way.
 */

export type Channel = 'email' | 'sms';

/** A person to notify, with the addresses copied from config at incident start. */
export interface Responder {
  id: string;
  name: string;
  email?: string;
  phone?: string;
}

export interface EscalationLevel {
  targets: Responder[];
  channels: Channel[];
  /** How long to wait for an acknowledgement before the next level is notified. */
  timeoutSeconds: number;
}

export interface EscalationPolicySnapshot {
  id: string;
  levels: EscalationLevel[];
  /** How many more times the whole policy runs after the first pass (0 = once). */
  repeat: number;
}

/** Where an escalation stands: `cycle` counts passes through the policy, from 0. */
export interface EscalationStep {
  cycle: number;
  levelIndex: number;
}

/** The first step of a policy, or `undefined` for a policy with no levels. */
export function firstStep(policy: EscalationPolicySnapshot): EscalationStep | undefined {
  return policy.levels.length > 0 ? { cycle: 0, levelIndex: 0 } : undefined;
}

/** The step after `step`, or `undefined` once every level of every repeat has fired. */
export function nextStep(policy: EscalationPolicySnapshot, step: EscalationStep): EscalationStep | undefined {
  if (step.levelIndex + 1 < policy.levels.length) return { cycle: step.cycle, levelIndex: step.levelIndex + 1 };
  if (step.cycle < policy.repeat) return { cycle: step.cycle + 1, levelIndex: 0 };
  return undefined;
}

/** Every step in firing order, with its offset from escalation start in seconds. */
export function escalationSchedule(policy: EscalationPolicySnapshot): Array<EscalationStep & { atSeconds: number }> {
  const schedule: Array<EscalationStep & { atSeconds: number }> = [];
  let atSeconds = 0;
  for (let step = firstStep(policy); step; step = nextStep(policy, step)) {
    schedule.push({ ...step, atSeconds });
    atSeconds += policy.levels[step.levelIndex].timeoutSeconds;
  }
  return schedule;
}

/** Level number as people say it (1-based). */
export function levelNumber(step: EscalationStep): number {
  return step.levelIndex + 1;
}
