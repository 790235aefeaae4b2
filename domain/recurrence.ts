/**
 * When incidents form a problem: the same fingerprint recurring N times within a window, or an
 * incident coming back soon after the previous one of its fingerprint was resolved. Pure: the
 * earlier incidents come from Temporal visibility (see `activities/incidentHistory.ts`).
 */
import { ownLabel } from './alert';

/** The `problems` config as it applies to one service (durations in seconds). */
export interface RecurrencePolicy {
  /** False: this service's incidents are never linked automatically. */
  detect: boolean;
  /** Incidents of one fingerprint, the new one included, that make a problem... */
  count: number;
  /** ...when all opened within this many seconds up to the new one (inclusive at both ends). */
  windowSeconds: number;
  /** A new incident within this many seconds of the previous one's resolution reopens it; absent: off. */
  reopenWithinSeconds?: number;
  /** `{service}/{alertname}`-style template; absent: service and dedup key (or alert group). */
  fingerprintTemplate?: string;
}

/** What a fingerprint is made from: an incident's keys and labels. */
export interface FingerprintSource {
  service: string;
  dedupKey: string;
  groupKey?: string;
  source: string;
  labels: Record<string, string>;
}

/**
 * Incidents with the same fingerprint are "the same incident again". By default the service and
 * dedup key (or alert group), which is also what keys the incident workflow; a template groups
 * wider, e.g. `{service}/{alertname}` across instances.
 */
export function incidentFingerprint(policy: Pick<RecurrencePolicy, 'fingerprintTemplate'>, incident: FingerprintSource): string {
  if (!policy.fingerprintTemplate) return `${incident.service}/${incident.groupKey ?? incident.dedupKey}`;
  return policy.fingerprintTemplate.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    if (name === 'service') return incident.service;
    if (name === 'dedupKey') return incident.dedupKey;
    if (name === 'source') return incident.source;
    return ownLabel(incident.labels, name) ?? '';
  });
}

/** An earlier incident of the same fingerprint, as visibility knows it. */
export interface PastIncident {
  id: string;
  openedAtMs: number;
  /** Absent while it is still open. */
  resolvedAtMs?: number;
  /** Its opening alert's summary, when known (for the problem's list). */
  summary?: string;
}

export type RecurrenceVerdict =
  | { recurs: false }
  | {
      recurs: true;
      reason: 'recurrence' | 'reopened';
      /** Earlier incidents that belong to the problem with the new one, oldest first. */
      earlier: PastIncident[];
      /** One line for the problem and the incident's timeline. */
      description: string;
    };

function seconds(value: number): string {
  if (value % 86_400 === 0) return `${value / 86_400}d`;
  if (value % 3600 === 0) return `${value / 3600}h`;
  if (value % 60 === 0) return `${value / 60}m`;
  return `${value}s`;
}

/**
 * Whether the incident opening at `current.openedAtMs` recurs, given the earlier incidents of its
 * fingerprint. A count within the window wins over a reopening (it links more incidents).
 * Incidents opened after the current one are ignored, so a late answer changes nothing.
 */
export function assessRecurrence(policy: RecurrencePolicy, current: { id: string; openedAtMs: number }, earlier: readonly PastIncident[]): RecurrenceVerdict {
  if (!policy.detect) return { recurs: false };
  const before = earlier.filter((incident) => incident.id !== current.id && incident.openedAtMs <= current.openedAtMs).sort((a, b) => a.openedAtMs - b.openedAtMs);
  const windowStart = current.openedAtMs - policy.windowSeconds * 1000;
  const inWindow = before.filter((incident) => incident.openedAtMs >= windowStart);
  if (inWindow.length + 1 >= policy.count) {
    return { recurs: true, reason: 'recurrence', earlier: inWindow, description: `${inWindow.length + 1} incidents within ${seconds(policy.windowSeconds)}` };
  }
  if (policy.reopenWithinSeconds !== undefined) {
    const resolved = before.filter((incident) => incident.resolvedAtMs !== undefined && incident.resolvedAtMs <= current.openedAtMs);
    const previous = resolved.sort((a, b) => (b.resolvedAtMs as number) - (a.resolvedAtMs as number))[0];
    if (previous && current.openedAtMs - (previous.resolvedAtMs as number) <= policy.reopenWithinSeconds * 1000) {
      const gap = Math.round((current.openedAtMs - (previous.resolvedAtMs as number)) / 1000);
      return { recurs: true, reason: 'reopened', earlier: [previous], description: `reopened ${seconds(gap)} after the previous incident was resolved` };
    }
  }
  return { recurs: false };
}

/** How far back the earlier incidents are needed for a verdict. */
export function lookbackSeconds(policy: RecurrencePolicy): number {
  return Math.max(policy.windowSeconds, policy.reopenWithinSeconds ?? 0);
}
