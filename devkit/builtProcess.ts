/**
 * Runs Vigil's build as production does (`node <build>/api/main.js`, `node <build>/worker/main.js`)
 * for the build test and `bench:startup`: each process gets its own VIGIL_HOME, as on its own host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from './childProcess';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BuiltProcess {
  child: ChildProcess;
  /** `performance.now()` just after the spawn. */
  startedAt: number;
  /** Everything it wrote (JSON log lines), for failure messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL after `graceMs`; removes its VIGIL_HOME. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

/** `home`: a VIGIL_HOME to reuse (kept); a fresh one (removed on stop) when absent. */
export async function spawnBuilt(buildDir: string, entry: 'api/main.js' | 'worker/main.js', env: NodeJS.ProcessEnv, home?: string): Promise<BuiltProcess> {
  const ownHome = home === undefined;
  home ??= await mkdtemp(join(tmpdir(), 'vigil-built-'));
  const child = spawn(process.execPath, [resolve(buildDir, entry)], {
    env: { ...process.env, LOG_LEVEL: 'info', VIGIL_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startedAt = performance.now();
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | NodeJS.Signals>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? -1)));
  return {
    child,
    startedAt,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      await stopChild(child, 'SIGTERM', graceMs);
      if (ownHome) await rm(home, { recursive: true, force: true });
      return exited;
    },
  };
}

/** CPU time (user + system, ms) the process has used so far, from /proc; NaN where there is none. */
export function cpuMs(process: BuiltProcess): number {
  try {
    const fields = readFileSync(`/proc/${process.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Milliseconds from the process's start until `url` answers `status`; fails if it exits or time runs out. */
export async function msUntilAnswers(url: string, process: BuiltProcess, options: { status?: number; timeoutMs?: number } = {}): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (process.child.exitCode !== null) throw new Error(`exited (${process.child.exitCode}) before ${url} answered:\n${process.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === (options.status ?? 200)) return performance.now() - process.startedAt;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${options.status ?? 200} in time:\n${process.output()}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
