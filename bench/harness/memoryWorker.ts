/**
 * A worker of bench:escalation (bench/escalationWorker.ts) in its own process, so its RSS is its
 * own: started and awaited until it says it is ready, asked for its status over IPC (optionally
 * after a full GC), its RSS read from /proc, and its memory read once it has settled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { EscalationWorkerStatus } from '../escalationWorker';
import { spawnBenchChild } from './benchChild';
import { sleep, type BenchClock } from './benchClock';
import type { BenchCleanups } from './benchProcess';
import { percentile } from './stats';

/** After the last page, wait this long, then read RSS a second apart until RSS_SAMPLES readings agree within RSS_STABLE_MB (at most SETTLE_MAX_MS). */
export const SETTLE_MS = 3_000;
export const SETTLE_MAX_MS = 30_000;
export const RSS_SAMPLES = 5;
export const RSS_STABLE_MB = 2;

export interface MemoryWorker {
  label: string;
  maxCachedWorkflows: number;
  /** With `gc`, after a full collection of the worker's main-thread heap. */
  status(gc?: boolean): Promise<EscalationWorkerStatus>;
  rssMb(): number;
  stop(): Promise<void>;
}

export async function startMemoryWorker(options: { label: string; env: NodeJS.ProcessEnv; nodeArgs: string[]; cleanups: BenchCleanups; clock: BenchClock }): Promise<MemoryWorker> {
  const { label } = options;
  const child = spawnBenchChild({ label: `the ${label} worker`, nodeArgs: ['--expose-gc', ...options.nodeArgs], script: 'bench/escalationWorker.ts', env: options.env, ipc: true, cleanups: options.cleanups });
  const replies = new Map<number, (status: EscalationWorkerStatus) => void>();
  let ready: number | undefined;
  child.process.on('message', (message: { type: string; id?: number; maxCachedWorkflows?: number }) => {
    if (message.type === 'ready') ready = message.maxCachedWorkflows;
    if (message.type === 'status') replies.get(message.id ?? 0)?.(message as EscalationWorkerStatus);
  });
  let nextId = 1;
  const maxCachedWorkflows = await options.clock.until(`the ${label} worker to start`, () => (child.alive(), ready), 180_000, 50);
  return {
    label,
    maxCachedWorkflows,
    async status(gc = false) {
      child.alive();
      const id = nextId++;
      const reply = new Promise<EscalationWorkerStatus>((resolve, reject) => {
        const timer = setTimeout(() => (replies.delete(id), reject(new Error(`the ${label} worker did not answer a status request in 10 s`))), 10_000);
        replies.set(id, (status) => (clearTimeout(timer), replies.delete(id), resolve(status)));
      });
      child.process.send({ type: 'status', id, gc });
      return reply;
    },
    rssMb() {
      child.alive();
      const file = `/proc/${child.process.pid}/status`;
      if (existsSync(file)) {
        const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(file, 'utf8'))?.[1];
        if (kb) return Number(kb) / 1024;
      }
      return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.process.pid)], { encoding: 'utf8' }).trim()) / 1024;
    },
    stop: async () => void (await child.kill()),
  };
}

export interface MemoryPoint {
  open: number;
  /** As found: the median of RSS_SAMPLES readings a second apart. */
  rssMb: number;
  /** Max − min of the readings the median came from. */
  spreadMb: number;
  /** Right after a full GC of the worker's main thread (diagnostic: what is garbage, what is kept). */
  rssAfterGcMb: number;
  cached: number;
  load: number;
}

/**
 * After everything opened has paged: let the worker settle, then read its RSS once a second until
 * the last RSS_SAMPLES readings agree within RSS_STABLE_MB (or SETTLE_MAX_MS has passed).
 */
export async function readMemory(child: MemoryWorker, open: number, clock: BenchClock): Promise<MemoryPoint> {
  const { withinDeadline, progress } = clock;
  await sleep(SETTLE_MS);
  const giveUpAt = Date.now() + SETTLE_MAX_MS;
  let readings: number[] = [];
  for (;;) {
    withinDeadline(`reading the ${child.label} worker's memory`);
    readings.push(child.rssMb());
    readings = readings.slice(-RSS_SAMPLES);
    if (readings.length === RSS_SAMPLES && (Math.max(...readings) - Math.min(...readings) <= RSS_STABLE_MB || Date.now() > giveUpAt)) break;
    await sleep(1_000);
  }
  const status = await child.status(true);
  await sleep(500);
  const afterGc: number[] = [];
  for (let index = 0; index < 3; index++) {
    afterGc.push(child.rssMb());
    await sleep(300);
  }
  const point: MemoryPoint = {
    open,
    rssMb: percentile(readings, 50),
    spreadMb: Math.max(...readings) - Math.min(...readings),
    rssAfterGcMb: percentile(afterGc, 50),
    cached: status.cachedWorkflows,
    load: loadavg()[0],
  };
  progress(`${child.label}: ${open} open, RSS ${point.rssMb.toFixed(1)} MB (spread ${point.spreadMb.toFixed(1)}), after GC ${point.rssAfterGcMb.toFixed(1)} MB, ${point.cached} cached`);
  return point;
}
