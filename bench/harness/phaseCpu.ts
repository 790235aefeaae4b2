/**
 * Where a bench phase's CPU went: this process (all its threads), its main thread's event loop,
 * and a child process (the Temporal dev server), so a throughput figure can be read as "CPU per
 * item" next to its floor's. With `BENCH_CPU_PROFILE=<dir>` the main thread is also profiled for
 * the phase alone (node:inspector), one `.cpuprofile` per phase, for Chrome DevTools or speedscope.
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';

export interface PhaseCpu {
  /** CPU of this process, every thread, in ms. */
  processMs: number;
  /** Share of the phase the main thread's event loop was busy (0..1). */
  mainLoopBusy: number;
  /** CPU of the child, in ms (undefined where /proc cannot say). */
  childMs?: number;
  wallMs: number;
}

/** A process's parent and its utime + stime in ms, from /proc/<pid>/stat; undefined once it has ended. */
function procStat(pid: number): { ppid: number; cpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, ppid 4, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpuMs: (ticks * 1000) / 100 }; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** utime + stime of a process from /proc, in ms (Linux only). */
export function procCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : procStat(pid)?.cpuMs;
}

/** Every running process: pid → its parent and CPU so far (for the CPU of a process tree). */
export function processTable(): Map<number, { ppid: number; cpuMs: number }> {
  const table = new Map<number, { ppid: number; cpuMs: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) table.set(Number(entry), stat);
  }
  return table;
}

let session: Session | undefined;

/** Starts measuring a phase; `stop()` answers its figures (and writes its profile when asked). */
export async function startPhase(name: string, childPid?: number): Promise<{ stop(): Promise<PhaseCpu> }> {
  const profileDir = process.env.BENCH_CPU_PROFILE;
  if (profileDir) {
    if (!session) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    }
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const child = procCpuMs(childPid);
  const wall = performance.now();
  return {
    async stop() {
      const used = process.cpuUsage(cpu);
      const busy = performance.eventLoopUtilization(elu);
      const childNow = procCpuMs(childPid);
      if (profileDir && session) {
        const { profile } = await session.post('Profiler.stop');
        mkdirSync(profileDir, { recursive: true });
        writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
      }
      return {
        processMs: (used.user + used.system) / 1000,
        mainLoopBusy: busy.utilization,
        childMs: child !== undefined && childNow !== undefined ? childNow - child : undefined,
        wallMs: performance.now() - wall,
      };
    },
  };
}

/** One line: CPU per item of a phase, for the bench's output. */
export function cpuPerItem(label: string, phase: PhaseCpu, items: number): string {
  const server = phase.childMs === undefined ? '' : `, dev server ${(phase.childMs / items).toFixed(2)} ms`;
  return `${label} ${(phase.processMs / items).toFixed(2)} ms CPU per call in this process (main loop busy ${(phase.mainLoopBusy * 100).toFixed(0)}%)${server}`;
}
