/**
 * The Temporal a bench runs against, by `BENCH_TEMPORAL`: the CLI's dev server (`dev`, the default:
 * SQLite visibility in memory) or production's store (`postgres`: the self-hosted server v1.32 on
 * Debian's PostgreSQL, persistence and SQL visibility there, as `devkit/topology.ts` runs it).
 * Either is a `DevServer` to `startStack` (address, process, stop), plus what a bench needs to
 * read where the server's CPU went: the pids of the Temporal process and of the database's.
 * Vigil's search attributes are registered as a worker and an API register them at start
 * (`prepareSearchAttributes`), and waited for until usable. Loopback only; `stop()` removes the
 * database's temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { prepareSearchAttributes } from '../../platform/searchAttributes';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { startPostgres } from '../../scripts/postgres';
import { startTemporalServer, TEMPORAL_SERVER_VERSION } from '../../scripts/temporalServer';
import { freePort } from '../../devkit/freePort';
import { procCpuMs, processTable } from './phaseCpu';

export type BenchTemporalKind = 'dev' | 'postgres';

export interface BenchTemporal extends DevServer {
  kind: BenchTemporalKind;
  /** For reports: "the Temporal dev server (SQLite visibility)". */
  label: string;
  /** CPU in ms used so far by the Temporal server and by its database (0 on the dev server: SQLite is inside it). */
  cpuMs(): { temporal: number; database: number };
}

export function benchTemporalKind(env: NodeJS.ProcessEnv = process.env): BenchTemporalKind {
  const value = env.BENCH_TEMPORAL ?? 'dev';
  if (value !== 'dev' && value !== 'postgres') throw new Error(`BENCH_TEMPORAL must be dev or postgres, not "${value}"`);
  return value;
}

/** utime + stime of every process whose parent is `parentPid` (PostgreSQL's backends and helpers), in ms. */
function childrenCpuMs(parentPid: number): number {
  let total = 0;
  for (const { ppid, cpuMs } of processTable().values()) if (ppid === parentPid) total += cpuMs;
  return total;
}

export async function startBenchTemporal(kind: BenchTemporalKind = benchTemporalKind()): Promise<BenchTemporal> {
  if (kind === 'dev') {
    const devServer = await startDevServer({ port: await freePort() });
    return { ...devServer, kind, label: 'the Temporal dev server (SQLite visibility)', cpuMs: () => ({ temporal: procCpuMs(devServer.process.pid) ?? 0, database: 0 }) };
  }
  // As the topology runs it: fsync off (the database host is never killed here).
  const postgres = await startPostgres({ port: await freePort(), unsafeFast: true });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-temporal-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    const temporal = await startTemporalServer({ db: { host: postgres.host, port: postgres.port, user: postgres.user }, dir, build: false });
    try {
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const problems: string[] = [];
        await prepareSearchAttributes(connection, temporal.namespace, { info: () => undefined, warn: (_object, message) => problems.push(message) });
        if (problems.length > 0) throw new Error(problems.join('; '));
      } finally {
        await connection.close();
      }
    } catch (error) {
      await temporal.stop();
      throw error;
    }
    const postmaster = postgres.process.pid ?? -1;
    return {
      kind,
      label: `a self-hosted Temporal ${TEMPORAL_SERVER_VERSION} on PostgreSQL (SQL visibility)`,
      address: temporal.address,
      process: temporal.process,
      cpuMs: () => ({ temporal: procCpuMs(temporal.process.pid) ?? 0, database: (procCpuMs(postmaster) ?? 0) + childrenCpuMs(postmaster) }),
      async stop() {
        await temporal.stop();
        await postgres.stop();
        removeDir();
      },
    };
  } catch (error) {
    await postgres.stop();
    // The directory stays: its temporal.log says why the server did not start.
    throw error;
  }
}
