/**
 * Slows down guessing: a client (by address) that fails authentication too often in a window is
 * refused with 429 and `Retry-After` for a while, whatever it presents next — a right guess
 * included. The counters are in the SQL store, so the limit holds across replicas; each replica
 * keeps the refusal it learned in memory, so a blocked client costs no query. Another replica
 * learns of the block at that client's next failure there (one more attempt per replica at most).
 */
import type { Request } from 'express';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../http/httpErrors';

export interface AuthFailureLimits {
  /** Failed attempts allowed per client within `windowSeconds`. */
  attempts: number;
  windowSeconds: number;
  /** How long a client that went over is refused. */
  blockSeconds: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { attempts: 20, windowSeconds: 60, blockSeconds: 300 };

export interface AuthFailureGuard {
  /** @throws HttpError 429 while `client` is refused. */
  check(client: string): void;
  /** Counts a failure; resolves to the seconds to wait when this one put the client over. */
  recordFailure(client: string): Promise<number | undefined>;
}

/** The 429 a refused client gets, naming when to come back. */
export function tooManyFailures(retryAfterSeconds: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new HttpError(
    429,
    'too many failed authentication attempts from this address; try again later',
    [{ field: 'authorization', message: `refused for ${seconds} s after repeated failures` }],
    { retryAfterSeconds: seconds },
    { 'retry-after': String(seconds) },
  );
}

export function createAuthFailureGuard(limiter: RateLimiterAbstract, now: () => number = Date.now): AuthFailureGuard {
  /** Client → when its refusal ends (ms), as learned from the store. */
  const blockedUntil = new Map<string, number>();
  return {
    check(client) {
      const until = blockedUntil.get(client);
      if (until === undefined) return;
      if (until <= now()) {
        blockedUntil.delete(client);
        return;
      }
      throw tooManyFailures((until - now()) / 1000);
    },
    async recordFailure(client) {
      try {
        await limiter.consume(client);
        return undefined;
      } catch (rejection) {
        // Over the limit: the library answers with a RateLimiterRes; anything else is a store error.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const waitMs = Math.max(rejection.msBeforeNext, 1000);
        blockedUntil.set(client, now() + waitMs);
        // Bounded: an attacker rotating addresses must not grow this map for ever.
        if (blockedUntil.size > 10_000) blockedUntil.delete(blockedUntil.keys().next().value as string);
        return waitMs / 1000;
      }
    },
  };
}

/**
 * A refusal that counts as a failed authentication: a credential presented and wrong (a header,
 * an integration's own token header, which its refusal names as `headers.<name>`, or a token in
 * the path), or a bad signature. A request that presented nothing is not a guess:
 * a dashboard opened before its key is typed must not lock its user out.
 */
export function isAuthenticationFailure(error: unknown, req: Pick<Request, 'get' | 'route'>): boolean {
  if (!(error instanceof HttpError)) return false;
  if (error.status === 403) return error.details.some((detail) => /signature/i.test(detail.field));
  if (error.status !== 401) return false;
  const presentedHeader = (req.get('authorization') ?? '').trim() !== '';
  const tokenInPath = String((req.route as { path?: unknown } | undefined)?.path ?? '').includes(':token');
  const presentedTokenHeader = error.details.some((detail) => detail.field.startsWith('headers.'));
  return presentedHeader || tokenInPath || presentedTokenHeader;
}
