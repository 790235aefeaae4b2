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

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
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
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilServing(address, child, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}
