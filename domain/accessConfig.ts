/**
 * Config of who may reach what and how fast: public reads (off by default) and the limits that
 * keep one credential or one address from overwhelming Vigil or paging everyone. See
 * docs/security.md for what each guards against.
 */
import { z } from 'zod';
import { parseDurationSeconds } from './duration';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", at most 63');
const duration = z.string().refine((text) => (parseDurationSeconds(text) ?? 0) > 0, { message: 'a duration such as 30s, 5m or 1h' });
const count = (max: number) => z.number().int().min(1).max(max);

export const accessSchema = z
  .object({
    /** Let anyone read incidents, events, problems, KPIs and policies without a key. Writes always need one. */
    publicReads: z.boolean().default(false),
  })
  .strict()
  .default({ publicReads: false });

export const limitsSchema = z
  .object({
    /**
     * New incidents one integration (or one API key) may open per minute; beyond it, further new
     * incident keys join one "alert storm" incident that pages once. Alerts are never refused.
     */
    newIncidentsPerMinute: count(1_000_000).default(30),
    /** Per integration id (or `api:<key user>`), overriding `newIncidentsPerMinute`. */
    newIncidentsPerMinuteBy: z.record(z.string().min(1).max(200), count(1_000_000)).default({}),
    /** Service of a storm incident when its integration names none (unknown services page the default policy). */
    stormService: id.default('alert-storm'),
    /** Failed authentications one address may make per `failedAuthWindow` before it is refused for `failedAuthBlock`. */
    failedAuthAttempts: count(1_000_000).default(20),
    failedAuthWindow: duration.default('1m'),
    failedAuthBlock: duration.default('5m'),
    /** Requests one address may have in progress at once in one API process, and waiting behind them. */
    concurrentRequestsPerClient: count(100_000).default(64),
    queuedRequestsPerClient: count(1_000_000).default(1024),
  })
  .strict()
  .default({
    newIncidentsPerMinute: 30,
    newIncidentsPerMinuteBy: {},
    stormService: 'alert-storm',
    failedAuthAttempts: 20,
    failedAuthWindow: '1m',
    failedAuthBlock: '5m',
    concurrentRequestsPerClient: 64,
    queuedRequestsPerClient: 1024,
  });

export type AccessConfig = z.output<typeof accessSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
