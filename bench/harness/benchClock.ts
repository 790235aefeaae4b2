/**
 * A long bench's sense of time: when it started, its progress lines on stderr, its overall bound
 * (BENCH_DEADLINE_MIN), and bounded polling that stops at that bound or when the bench is
 * interrupted or asked to stop.
 */
import type { BenchCleanups } from './benchProcess';

/** The bench passed its overall time bound. */
export class DeadlineError extends Error {}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** `12.34 s` */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export interface BenchClock {
  readonly started: number;
  /** `[name   12 s] text` on stderr. */
  progress(text: string): void;
  /** Throws once the bench is interrupted, asked to stop, or past its bound. */
  withinDeadline(what: string): void;
  /** Polls `check` until it returns a value; undefined once `timeoutMs` has passed. */
  poll<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs?: number): Promise<T | undefined>;
  /** As `poll`, but throws once `timeoutMs` has passed. */
  until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs?: number): Promise<T>;
}

export function benchClock(options: {
  name: string;
  deadlineMs: number;
  cleanups: BenchCleanups;
  /** Why the bench should stop early (a failed lane), if it should. */
  stopRequested?: () => string | undefined;
}): BenchClock {
  const { name, deadlineMs, cleanups } = options;
  const started = Date.now();

  function withinDeadline(what: string): void {
    if (cleanups.interrupted) throw new Error(`interrupted by ${cleanups.interrupted}`);
    const stop = options.stopRequested?.();
    if (stop) throw new Error(`stopped: ${stop}`);
    if (Date.now() - started > deadlineMs) throw new DeadlineError(`${name} passed its ${deadlineMs / 60_000} min bound (BENCH_DEADLINE_MIN) during ${what}`);
  }

  async function poll<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 10): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      withinDeadline(what);
      if (Date.now() > deadline) return undefined;
      await sleep(intervalMs);
    }
  }

  return {
    started,
    progress: (text) => process.stderr.write(`[${name} ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${text}\n`),
    withinDeadline,
    poll,
    async until(what, check, timeoutMs, intervalMs) {
      const value = await poll(what, check, timeoutMs, intervalMs);
      if (value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      return value;
    },
  };
}
