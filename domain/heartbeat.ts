/**
 * Heartbeats (dead-man's switches): a scheduled job pings Vigil after each run; a ping that does
 * not come within its interval plus grace is an incident. The pure facts the workflow, the
 * worker's activities and the API share (no I/O here); config's schema is `./heartbeatConfig.ts`.
 */
import type { Alert } from './alert';
import { parseDurationSeconds } from './duration';
import type { HeartbeatConfig } from './heartbeatConfig';
import type { Severity } from './severity';

/** One heartbeat as its workflow carries it: durations in seconds, no secret. */
export interface HeartbeatSettings {
  id: string;
  service: string;
  intervalSeconds: number;
  graceSeconds: number;
  severity: Severity;
  summary: string;
}

export function heartbeatSettingsOf(heartbeatId: string, heartbeat: HeartbeatConfig): HeartbeatSettings {
  return {
    id: heartbeatId,
    service: heartbeat.service,
    intervalSeconds: parseDurationSeconds(heartbeat.interval) as number,
    graceSeconds: parseDurationSeconds(heartbeat.grace) ?? 0,
    severity: heartbeat.severity,
    summary: heartbeat.summary ?? `heartbeat ${heartbeatId} missed`,
  };
}

/** Every configured heartbeat's settings. */
export function heartbeatsOf(config: { heartbeats: Record<string, HeartbeatConfig> }): HeartbeatSettings[] {
  return Object.entries(config.heartbeats).map(([heartbeatId, heartbeat]) => heartbeatSettingsOf(heartbeatId, heartbeat));
}

/** One workflow per heartbeat, so starting it from any number of API replicas makes one. */
export function heartbeatWorkflowId(heartbeatId: string): string {
  return `heartbeat/${heartbeatId}`;
}

/** Stable per heartbeat: every miss joins the one open incident, and the next ping resolves it. */
export function heartbeatDedupKey(heartbeatId: string): string {
  return `heartbeat-${heartbeatId}`;
}

/** The alert a missed deadline raises (or, with `resolved`, the ping that ends it). */
export function heartbeatAlert(settings: HeartbeatSettings, alertId: string, at: Date, facts: { lastPingAt?: string; deadlineAt: string }, resolved = false): Alert {
  return {
    id: alertId,
    service: settings.service,
    summary: resolved ? `heartbeat ${settings.id} pinged again` : settings.summary,
    severity: settings.severity,
    dedupKey: heartbeatDedupKey(settings.id),
    source: 'heartbeat',
    labels: { heartbeat: settings.id },
    details: { heartbeat: settings.id, lastPingAt: facts.lastPingAt ?? null, deadlineAt: facts.deadlineAt, intervalSeconds: settings.intervalSeconds, graceSeconds: settings.graceSeconds },
    receivedAt: at.toISOString(),
  };
}

/** Ok until its deadline passes without a ping; late from then until the next ping. */
export type HeartbeatState = 'ok' | 'late';

/** What the API lists of one heartbeat. */
export interface HeartbeatView {
  id: string;
  service: string;
  intervalSeconds: number;
  graceSeconds: number;
  state: HeartbeatState;
  /** When the workflow began watching (the first run's start). */
  watchingSince: string;
  lastPingAt?: string;
  /** When a missing ping opens an incident (the last ping, or the start, plus interval and grace). */
  nextDeadlineAt: string;
  pings: number;
  /** Late, but a maintenance window covered the miss: nobody is paged before this time (then, if still silent, the incident opens). */
  maintenanceUntil?: string;
}

/** What became of a missed deadline: an incident opened, or a maintenance window covered it until `suppressedUntil`. */
export interface HeartbeatMissOutcome {
  suppressedUntil?: string;
  maintenanceId?: string;
}
