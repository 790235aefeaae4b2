/**
 * Escalation arithmetic. A policy is frozen into the incident when it starts (a copy, not a
 * reference to config), so editing config never changes an escalation already under way.
 */

import { CHANNELS, type ChannelId, type ChannelRegistry } from './channels';

/** A channel's id; the channels themselves are declared in `domain/channels/`. */
export type Channel = ChannelId;

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
  /**
   * Addresses on channels added after email and SMS, by channel id (those two keep the fields
   * above, which saved histories hold). Absent when the person has none.
   */
  addresses?: Record<string, string>;
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

/**
 * What a level sends to one person. A level's own channels go out at once; a level without
 * channels follows the person's rules (every method they have, at once, when they have none;
 * voice and other `onlyWhenNamed` channels only when named).
 * Low urgency keeps the quiet channels (email) only, unless the person has none (nobody is left
 * unreachable). `registry` is the channel registry (another one in tests).
 */
export function deliveriesFor<Id extends string = Channel>(
  responder: Responder,
  level: { channels: readonly Id[]; channelsFromRules?: boolean },
  urgency: Urgency = 'high',
  registry: ChannelRegistry<Id> = CHANNELS as unknown as ChannelRegistry<Id>,
): Array<{ responder: Responder; channel: Id; afterSeconds: number }> {
  let planned: Array<{ channel: Id; afterSeconds: number }>;
  if (level.channelsFromRules) {
    planned = responder.rules?.length
      ? responder.rules.map((rule) => ({ channel: rule.channel as string as Id, afterSeconds: rule.afterSeconds }))
      : registry.defaultOrder.map((channel) => ({ channel, afterSeconds: 0 }));
    planned = planned.filter((entry) => registry.reachable(responder, entry.channel));
  } else {
    // A level's channels go to everyone as before (an unreachable channel is recorded as such).
    planned = level.channels.map((channel) => ({ channel, afterSeconds: 0 }));
  }
  const quiet = (entry: { channel: Id }) => registry.get(entry.channel).quiet;
  if (urgency === 'low' && planned.some(quiet)) {
    planned = planned.filter(quiet).map((entry) => ({ ...entry, afterSeconds: 0 }));
  }
  // One delivery per channel, the earliest.
  const byChannel = new Map<Id, number>();
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
