/**
 * rate-limiter-flexible's PostgreSQL limiter over Vigil's own SQL store (PostgreSQL or PGlite),
 * so counters hold across API replicas. The table is made by a migration (`rate_limit_counters`),
 * not by the library at start, so replicas never race to create it.
 */
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { SqlExecutor } from './sqlStore';

export const RATE_LIMIT_TABLE = 'rate_limit_counters';

export interface SqlRateLimitOptions {
  /** Distinguishes the counters of one limiter from another's in the shared table. */
  keyPrefix: string;
  points: number;
  /** Seconds a counter lives. */
  duration: number;
  /** Seconds a key stays refused once it went over (0: only until its counter expires). */
  blockDuration?: number;
}

/** The library talks to a `pg` client; this is the part of one it uses. */
function pgLikeClient(store: SqlExecutor) {
  return {
    query: async (query: { text: string; values?: unknown[] }) => ({ rows: await store.query(query.text, query.values ?? []) }),
  };
}

export function sqlRateLimiter(store: SqlExecutor, options: SqlRateLimitOptions): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: pgLikeClient(store),
    storeType: 'client',
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    // Expired rows are swept by the library once per 5 minutes (an unref'd timer).
    clearExpiredByTimeout: true,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.duration,
    blockDuration: options.blockDuration ?? 0,
  });
}
