/**
 * Starts the Temporal CLI's dev server as a child process: used by `npm start`, the end-to-end
 * tests and the benchmarks. Vigil's search attributes are registered by the server's own flag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../domain/visibility';
import { locateTemporalCli } from './temporalBinaries';
import { retryUntilReady, stopChild } from '../devkit/childProcess';

export interface DevServerOptions {
  ip?: string;
  port: number;
  uiPort?: number;
  /** SQLite file that keeps the server's state across restarts; in memory when absent. */
  dbFile?: string;
  /** Where the server's own output goes (`inherit` in a terminal, `ignore` in tests). */
  stdio?: 'inherit' | 'ignore';
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves once the server at `address` answers a system-info call. */
async function answers(address: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
  } finally {
    await connection.close();
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = await locateTemporalCli();
  const ip = options.ip ?? '127.0.0.1';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'error'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const definition of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${definition.name}=${definition.type}`);
  const child = spawn(cli, args, { stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'] });
  const address = `${ip}:${options.port}`;
  const stop = () => stopChild(child, 'SIGTERM', 5_000);
  try {
    await retryUntilReady(child, { name: 'the Temporal dev server', what: `answering on ${address}`, timeoutMs: 60_000 }, () => answers(address));
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}
