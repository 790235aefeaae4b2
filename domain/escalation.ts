/**
 * Escalation arithmetic. A policy is frozen into the incident when it starts (a copy, not a
 * reference to config), so editing config never changes an escalation already under way.
 */

export type Channel = 'email' | 'sms';

/** One step of a person's notification rules: this channel, this long after their page. */
export interface NotificationRule {
  channel: Channel;
  afterSeconds: number;
}

/** A person to notify, with the addresses copied from config at incident start (or when a level fires). */
export interface Responder {
  id: string;
  name: string;
  email?: string;
  phone?: string;
  /** How this person wants to be paged (e.g. SMS at once, email after a minute); absent: every method at once. */
  rules?: NotificationRule[];
}

export interface EscalationLevel {
  /** The people of this level as they stood at incident start (user targets only). */
  targets: Responder[];
  /** Channels for everyone at once; absent on levels that follow each person's own rules. */
  channels: Channel[];
  /** How long to wait for an acknowledgement before the next level is notified. */
  timeoutSeconds: number;
  /**
   * What the level names (`user:<id>`, `schedule:<id>`, `team:<id>`), resolved to people when the
   * level fires, so a hand-off during an incident pages the new on-call. Absent in plans older
   * than schedules: `targets` is then the whole answer.
   */
  targetRefs?: string[];
  /** True when the level set no channels: each person's notification rules decide. */
  channelsFromRules?: boolean;
}

export interface EscalationPolicySnapshot {
  id: string;
  levels: EscalationLevel[];
  /** How many more times the whole policy runs after the first pass (0 = once). */
  repeat: number;
  /** An acknowledged incident not resolved within this long is triggered and escalated again. */
  ackTimeoutSeconds?: number;
  /** Who hears when the policy is exhausted without an acknowledgement (e.g. the operations manager). */
  onExhaustedRefs?: string[];
}

/** High urgency pages on every channel at once; low urgency emails, in business hours. */
export type Urgency = 'high' | 'low';

/** One notification a level sends: to whom, how, and how long after the level fired. */
export interface PlannedDelivery {
  responder: Responder;
  channel: Channel;
  afterSeconds: number;
}

function reachable(responder: Responder, channel: Channel): boolean {
  return channel === 'email' ? Boolean(responder.email) : Boolean(responder.phone);
}

/**
 * What a level sends to one person. A level's own channels go out at once; a level without
 * channels follows the person's rules (every method they have, at once, when they have none).
 * Low urgency keeps email only, unless the person has no email (nobody is left unreachable).
 */
export function deliveriesFor(responder: Responder, level: Pick<EscalationLevel, 'channels' | 'channelsFromRules'>, urgency: Urgency = 'high'): PlannedDelivery[] {
  let planned: Array<{ channel: Channel; afterSeconds: number }>;
  if (level.channelsFromRules) {
    planned = responder.rules?.length
      ? responder.rules.map((rule) => ({ channel: rule.channel, afterSeconds: rule.afterSeconds }))
      : (['sms', 'email'] as const).map((channel) => ({ channel, afterSeconds: 0 }));
    planned = planned.filter((entry) => reachable(responder, entry.channel));
  } else {
    // A level's channels go to everyone as before (an unreachable channel is recorded as such).
    planned = level.channels.map((channel) => ({ channel, afterSeconds: 0 }));
  }
  if (urgency === 'low' && planned.some((entry) => entry.channel === 'email')) {
    planned = planned.filter((entry) => entry.channel === 'email').map((entry) => ({ ...entry, afterSeconds: 0 }));
  }
  // One delivery per channel, the earliest.
  const byChannel = new Map<Channel, number>();
  for (const entry of planned) byChannel.set(entry.channel, Math.min(byChannel.get(entry.channel) ?? Infinity, entry.afterSeconds));
  return [...byChannel].map(([channel, afterSeconds]) => ({ responder, channel, afterSeconds }));
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
