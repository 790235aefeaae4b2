/**
 * The two halves of running a server as a child process, shared by the PostgreSQL and Temporal
 * server starters and the built-process runner: wait until it serves (failing at once if it
 * exits), and stop it (a signal, then SIGKILL if it lingers).
 */
import type { ChildProcess } from 'node:child_process';

/** Whether the child is still running (no exit code, no terminating signal yet). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Sends `signal`, then SIGKILL after `graceMs` if it has not exited; resolves once it has exited.
 * A child already gone resolves at once.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface ReadyWait {
  /** For messages: "the Temporal server", "PostgreSQL". */
  name: string;
  /** What is awaited, for messages: "the frontend answering". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Appended to failure messages: "; see /tmp/…/temporal.log". */
  hint?: string;
}

/**
 * Calls `attempt` until it resolves, `intervalMs` apart; throws as soon as the child exits, or with
 * the last attempt's error once `timeoutMs` has passed.
 */
export async function retryUntilReady<T>(child: ChildProcess, wait: ReadyWait, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + wait.timeoutMs;
  const hint = wait.hint ?? '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${wait.name} exited with code ${child.exitCode} before ${wait.what}${hint}`);
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${wait.name}: ${wait.what} not done within ${wait.timeoutMs} ms: ${(error as Error).message}${hint}`);
      await new Promise((resolve) => setTimeout(resolve, wait.intervalMs ?? 250));
    }
  }
}

/** For a starter run by hand (Ctrl-C stops it): on SIGINT or SIGTERM, stops the server and exits (1 if stopping failed). */
export function stopOnSignal(server: { stop(): Promise<void> }): void {
  const shutdown = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
