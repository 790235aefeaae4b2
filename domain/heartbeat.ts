/**
 * Heartbeats (dead-man's switches): a scheduled job pings Vigil after each run; a ping that does
 * not come within its interval plus grace is an incident. Config schema and the pure facts the
 * workflow, the worker's activities and the API share (no I/O here).
 *
 * ```ts
 * heartbeats: { 'nightly-backup': { service: 'storage', interval: '24h', grace: '1h', tokenEnv: 'VIGIL_HEARTBEAT_BACKUP_TOKEN' } },
 * ```
 */
import { z } from 'zod';
import type { Alert } from './alert';
import { parseDurationSeconds } from './duration';
import { SEVERITIES, type Severity } from './severity';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');
const duration = z.string().refine((text) => (parseDurationSeconds(text) ?? 0) > 0, {
  message: 'a positive duration such as "30s", "5m", "2h" or "1d"',
});

const heartbeatSchema = z
  .object({
    /** The service whose escalation policy a missed heartbeat pages. */
    service: id,
    /** How often the job runs: a ping is due this long after the last one. */
    interval: duration,
    /** How late a ping may be before it counts as missed (a job's run time varies). */
    grace: z.string().refine((text) => parseDurationSeconds(text) !== undefined, { message: 'a duration such as "0s", "10m", "1h"' }).default('0s'),
    /** Environment variable holding the ping token (tokens never live in the repository). */
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
    severity: z.enum(SEVERITIES).default('critical'),
    /** The incident's summary when the ping is missed (default: `heartbeat <id> missed`). */
    summary: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const heartbeatsSchema = z.record(id, heartbeatSchema).default({});

export type HeartbeatConfig = z.output<typeof heartbeatSchema>;

/** Config problems that need the rest of the config: a heartbeat naming an undeclared service. */
export function heartbeatIssues(config: { services: Record<string, unknown>; heartbeats: Record<string, HeartbeatConfig> }): Array<{ path: Array<string | number>; message: string }> {
  return Object.entries(config.heartbeats)
    .filter(([, heartbeat]) => !Object.hasOwn(config.services, heartbeat.service))
    .map(([heartbeatId, heartbeat]) => ({ path: ['heartbeats', heartbeatId, 'service'], message: `no service "${heartbeat.service}"` }));
}

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
