/**
 * A long bench's last words: its report on stdout, then on stderr whether it was interrupted or
 * failed (exit code 1), and any child process still running. Then the process exits, so that no
 * stray native handle keeps it alive once everything is stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { leftoverChildren } from './benchChild';
import type { BenchCleanups } from './benchProcess';

export function finishBench(options: {
  name: string;
  report: string[];
  cleanups: BenchCleanups;
  failed: unknown;
  /** How the failure reads after "FAILED": the error's stack unless the bench says otherwise. */
  describeFailure?: (failed: unknown) => string;
  /** Child processes not started through benchChild (the Temporal dev server). */
  otherChildren?: ChildProcess[];
}): never {
  const { name, cleanups, failed } = options;
  console.log(options.report.join('\n'));
  if (cleanups.interrupted) {
    console.error(`\n${name} interrupted by ${cleanups.interrupted}`);
    process.exitCode = 1;
  } else if (failed) {
    console.error(`\n${name} FAILED${options.describeFailure ? options.describeFailure(failed) : `: ${(failed as Error).stack ?? String(failed)}`}`);
    process.exitCode = 1;
  }
  const leftovers = leftoverChildren(options.otherChildren);
  if (leftovers.length > 0) console.error(`${name}: ${leftovers.length} child processes still running (pids ${leftovers.map((child) => child.pid).join(', ')})`);
  process.exit();
}
