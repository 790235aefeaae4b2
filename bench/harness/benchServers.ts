/**
 * The servers a long bench starts for its workers, each registered for clean-up: a temporary
 * directory, the Temporal dev server with a client that reads encrypted payloads, and one
 * PostgreSQL (PGlite over the wire protocol) that several worker processes share. Plus the
 * environment a worker child starts from: the bench's own, without Vigil's settings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openSqlStore } from '../../platform/sqlStore';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { freePort } from '../../devkit/freePort';
import type { BenchCleanups } from './benchProcess';

/** A fresh temporary directory named `vigil-bench-<name>-…`, removed on the way out. */
export async function benchHome(name: string, cleanups: BenchCleanups): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), `vigil-bench-${name}-`));
  cleanups.push({ what: `the temporary directory ${home}`, run: () => rm(home, { recursive: true, force: true }) });
  return home;
}

/** The dev server on a free loopback port (state in `dbFile` when given) and a client on it. */
export async function startBenchTemporal(cleanups: BenchCleanups, options: { dataConverter: DataConverter; dbFile?: string }): Promise<{ devServer: DevServer; client: Client }> {
  const devServer = await startDevServer({ port: await freePort(), dbFile: options.dbFile });
  cleanups.push({ what: 'the Temporal dev server', run: () => devServer.stop() });
  const connection = await Connection.connect({ address: devServer.address });
  cleanups.push({ what: 'the client connection', run: () => connection.close() });
  return { devServer, client: new Client({ connection, dataConverter: options.dataConverter }) };
}

/** One PostgreSQL for every worker (PGlite over the wire protocol), migrated once so workers starting side by side find the schema. */
export async function startSharedPostgres(cleanups: BenchCleanups): Promise<string> {
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  cleanups.push({ what: 'the shared PostgreSQL (PGlite socket server)', run: async () => (await server.stop(), await db.close()) });
  const databaseUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await (await openSqlStore({ databaseUrl })).close();
  return databaseUrl;
}

/**
 * The bench's environment without Temporal, Twilio, SMTP, Vigil and bench settings (and
 * DATABASE_URL unless kept): a worker child gets exactly what the bench gives it.
 */
export function workerBaseEnv(options: { keepDatabaseUrl?: boolean } = {}): NodeJS.ProcessEnv {
  const settings = options.keepDatabaseUrl ? /^(TEMPORAL_|TWILIO_|SMTP_|VIGIL_|BENCH_)/ : /^(TEMPORAL_|TWILIO_|SMTP_|VIGIL_|BENCH_|DATABASE_URL)/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !settings.test(name)));
}
