/**
 * Heartbeats in config: the schema and the checks that need the rest of the config. Apart from
 * `domain/heartbeat.ts` because workflow code imports that one, and zod should not ride along
 * (Temporal's sandbox evaluates every module of the workflow bundle for each run).
 *
 * ```ts
 * heartbeats: { 'nightly-backup': { service: 'storage', interval: '24h', grace: '1h', tokenEnv: 'VIGIL_HEARTBEAT_BACKUP_TOKEN' } },
 * ```
 */
import { z } from 'zod';
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
