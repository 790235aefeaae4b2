/**
 * What every long bench that starts servers and child processes needs: a stack of clean-ups run
 * on the way out, however the way out is (normal end, failure, SIGINT or SIGTERM), and the
 * machine's load written beside its figures.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { loadavg } from 'node:os';

export interface BenchCleanups {
  /** Run last-in first-out by `cleanUp`. */
  push(cleanup: { what: string; run: () => Promise<unknown> }): void;
  /** Runs every clean-up, each bounded to 15 s; a failing one is reported and the rest still run. */
  cleanUp(): Promise<void>;
  /** The signal that stopped the bench, if one did. */
  readonly interrupted: NodeJS.Signals | undefined;
}

/** `name` prefixes its messages; `onInterrupt` runs first when a signal arrives. */
export function benchCleanups(name: string, onInterrupt?: (signal: NodeJS.Signals) => void): BenchCleanups {
  const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
  let interrupted: NodeJS.Signals | undefined;

  async function cleanUp(): Promise<void> {
    while (cleanups.length > 0) {
      const { what, run } = cleanups.pop() as (typeof cleanups)[number];
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('took over 15 s')), 15_000)))]);
      } catch (error) {
        console.error(`${name}: stopping ${what} failed: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      interrupted = signal;
      onInterrupt?.(signal);
      console.error(`${name}: ${signal}, stopping`);
      cleanUp()
        .catch((error: unknown) => console.error(`${name}: clean-up failed: ${(error as Error).message}`))
        .finally(() => process.exit(code));
    });
  }

  return {
    push: (cleanup) => void cleanups.push(cleanup),
    cleanUp,
    get interrupted() {
      return interrupted;
    },
  };
}

/** `uptime`'s line (time, load averages), for the report's first and last lines. */
export function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg().map((value) => value.toFixed(2)).join(', ')}`;
  }
}

/** A bench setting from the environment: a non-negative number, or `fallback` when unset. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not "${raw}"`);
  return value;
}

/** BENCH_SEED as an unsigned 32-bit seed, or a fresh random one when unset (printed, so a run can be repeated). */
export function envSeed(): number {
  const raw = process.env.BENCH_SEED;
  if (raw && !/^\d+$/.test(raw)) throw new Error(`BENCH_SEED must be a non-negative integer, not "${raw}"`);
  return raw ? Number(raw) >>> 0 : randomInt(0, 2 ** 32 - 1);
}
