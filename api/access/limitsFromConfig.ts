/** Builds the API's SQL-backed guards from config: the failed-authentication guard and the storm guard. */
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { VigilConfig } from '../../domain/config';
import { parseDurationSeconds } from '../../domain/duration';
import { sqlRateLimiter } from '../../platform/rateLimitStore';
import type { SqlExecutor } from '../../platform/sqlStore';
import { createStormGuard, type StormGuard } from '../intake/stormGuard';
import { createAuthFailureGuard, type AuthFailureGuard } from './authFailureGuard';

export function authFailureGuardFor(config: VigilConfig, store: SqlExecutor): AuthFailureGuard {
  const { limits } = config;
  return createAuthFailureGuard(
    sqlRateLimiter(store, {
      keyPrefix: 'auth-failures',
      points: limits.failedAuthAttempts,
      duration: parseDurationSeconds(limits.failedAuthWindow) ?? 60,
      blockDuration: parseDurationSeconds(limits.failedAuthBlock) ?? 300,
    }),
  );
}

export function stormGuardFor(config: VigilConfig, store: SqlExecutor, logger?: Logger): StormGuard {
  const limiters = new Map<number, RateLimiterAbstract>();
  // One limiter per distinct rate; integrations are told apart by the counter's key.
  const limiterOfRate = (perMinute: number) => {
    let limiter = limiters.get(perMinute);
    if (!limiter) {
      limiter = sqlRateLimiter(store, { keyPrefix: `new-incidents-${perMinute}`, points: perMinute, duration: 60 });
      limiters.set(perMinute, limiter);
    }
    return limiter;
  };
  return createStormGuard({
    store,
    limiterFor: (integrationId) => limiterOfRate(config.limits.newIncidentsPerMinuteBy[integrationId] ?? config.limits.newIncidentsPerMinute),
    stormServiceOf: (integrationId) => config.integrations[integrationId]?.service ?? config.limits.stormService,
    onError: (error) => logger?.warn({ err: error }, 'storm guard store failed; alert passed unguarded'),
  });
}
