/**
 * A worker the bench runs as a child process (`node --import tsx <script>`): its output kept line
 * by line (the last lines for failure messages, each line for whoever watches for one), a death
 * the bench did not cause turned into an error, SIGKILL on demand, and a clean-up registered so it
 * is stopped on the way out whatever the way out is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCleanups } from './benchProcess';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TAIL_LINES = 20;

/** Every child started here and not yet stopped by the bench. */
const running = new Set<ChildProcess>();

export interface BenchChild {
  /** For messages: "worker #3 (lane 1A)". */
  label: string;
  process: ChildProcess;
  spawnedAt: number;
  /** Throws if it died by itself (not by the bench's kill). */
  alive(): void;
  /** Its last lines of output, for failure messages. */
  tail(): string;
  /** Called with each line it writes (stdout or stderr) and when the bench read it. */
  onLine(listener: (line: string, at: number) => void): void;
  /** SIGKILL sent at once; `kill()` then waits for the exit. Returns when it was sent. */
  signalKill(): number;
  /** SIGKILL; resolves, once it has exited, with the moment the signal was sent. */
  kill(): Promise<number>;
}

export function spawnBenchChild(options: {
  label: string;
  /** Node arguments before `--import tsx <script>` (`--expose-gc`). */
  nodeArgs?: string[];
  /** Relative to the repository's root. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** Open an IPC channel (`process.send`). */
  ipc?: boolean;
  cleanups: BenchCleanups;
}): BenchChild {
  const { label } = options;
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  running.add(child);
  const tail: string[] = [];
  const listeners: Array<(line: string, at: number) => void> = [];
  let killing = false;
  let signalledAt: number | undefined;
  let died: Error | undefined;

  const reader = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const now = Date.now();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        for (const listener of listeners) listener(line, now);
      }
    };
  };
  child.stdout?.on('data', reader());
  child.stderr?.on('data', reader());
  child.once('exit', (code, signal) => {
    if (!killing) died = new Error(`${label} (pid ${child.pid}) exited by itself (code ${code}, signal ${signal}):\n  ${tail.join('\n  ')}`);
  });
  child.on('error', (error) => {
    died ??= new Error(`${label} failed to start: ${error.message}`);
  });

  const benchChild: BenchChild = {
    label,
    process: child,
    spawnedAt,
    alive() {
      if (died) throw died;
    },
    tail: () => tail.join('\n  ') || '(none)',
    onLine: (listener) => void listeners.push(listener),
    signalKill() {
      killing = true;
      signalledAt ??= Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return signalledAt;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(child);
        return signalledAt ?? Date.now();
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const at = benchChild.signalKill();
      await exited;
      running.delete(child);
      return at;
    },
  };
  options.cleanups.push({ what: `${label} (pid ${child.pid})`, run: () => benchChild.kill() });
  return benchChild;
}

/** Children (started here, or `others`) still running: the bench says so before it exits. */
export function leftoverChildren(others: ChildProcess[] = []): ChildProcess[] {
  return [...running, ...others].filter((child) => child.exitCode === null && child.signalCode === null);
}
