/**
 * Vigil's worker (worker/main.ts, as `npm run worker` runs it) as a bench's child process, ready
 * when the SDK logs that it is running: the moment that line reached the bench is its readiness,
 * measured, not estimated.
 */
import { spawnBenchChild, type BenchChild } from './benchChild';
import { DeadlineError, type BenchClock } from './benchClock';
import type { BenchCleanups } from './benchProcess';

export interface VigilWorker extends BenchChild {
  /** When the SDK's "Worker state changed … RUNNING" line reached us. */
  readyAt?: number;
  /** Resolves with `readyAt`; fails if it dies first or does not get there within the bound. */
  waitReady(): Promise<number>;
  /** Its envelope sender (SMTP_FROM), which tells the sink who sent a page. */
  from: string;
}

export function startVigilWorker(options: { label: string; env: NodeJS.ProcessEnv; cleanups: BenchCleanups; until: BenchClock['until']; startTimeoutMs: number }): VigilWorker {
  const { label, until } = options;
  const child = spawnBenchChild({ label, script: 'worker/main.ts', env: options.env, cleanups: options.cleanups });
  const worker: VigilWorker = Object.assign(child, {
    readyAt: undefined as number | undefined,
    from: options.env.SMTP_FROM ?? '',
    async waitReady() {
      try {
        return await until(`${label} (pid ${child.process.pid}) to log that it is running`, () => (child.alive(), worker.readyAt), options.startTimeoutMs, 5);
      } catch (error) {
        child.alive();
        if (error instanceof DeadlineError) throw error;
        throw new Error(`${(error as Error).message}; its last lines:\n  ${child.tail()}`);
      }
    },
  });
  // The SDK's default logger writes `<ISO time> [INFO] Worker state changed { …, state: 'RUNNING' }`
  // to stderr, its metadata on one line or, when long, on the lines that follow.
  let inStateChange = false;
  child.onLine((line, at) => {
    if (/^\S+ \[[A-Z]+\] /.test(line)) inStateChange = line.includes('Worker state changed');
    if (worker.readyAt === undefined && inStateChange && /state: '?RUNNING/.test(line)) worker.readyAt = at;
  });
  return worker;
}
