/**
 * Debian's PostgreSQL (`apt-get install postgresql`) started from nothing on a free loopback port
 * in a temporary directory: the database of the multi-host test and benchmark, and of a user who
 * runs Vigil's production topology without containers (`npx tsx scripts/postgres.ts`).
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user Debian's
 * package creates, in a directory it owns.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { retryUntilReady, stopChild, stopOnSignal } from '../devkit/childProcess';

export interface PostgresOptions {
  port: number;
  /** Data directory; a fresh temporary one (removed at stop) when absent. */
  dataDir?: string;
  /**
   * Trade durability for speed (fsync and synchronous commit off): for tests and benchmarks, where
   * the database host itself is never killed. Never for a deployment.
   */
  unsafeFast?: boolean;
  /** Where the server's own output goes (`inherit` in a terminal). */
  stdio?: 'inherit' | 'ignore';
}

export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser every connection uses (trust authentication on loopback only). */
  user: string;
  process: ChildProcess;
  /** `postgres://` URL of one database on this server. */
  url(database: string): string;
  /** Creates the database unless it exists. */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory: `PG_BIN`, else Debian's `/usr/lib/postgresql/<major>/bin`. */
export function locatePostgresBin(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (existsSync(join(fromEnv, 'initdb'))) return fromEnv;
    throw new Error(`PG_BIN=${fromEnv} has no initdb`);
  }
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((major) => existsSync(join(root, major, 'bin', 'initdb'))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors.length === 0) {
    throw new Error('PostgreSQL not found: no /usr/lib/postgresql/<major>/bin/initdb. Install it with `apt-get install postgresql` (bash .ci/run does), or set PG_BIN to the directory that holds initdb and postgres.');
  }
  return join(root, majors[0], 'bin');
}

/** As root, the uid/gid of the `postgres` user to run the server as; nothing otherwise. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root and there is no `postgres` user to run PostgreSQL as (it refuses root); `apt-get install postgresql` creates one');
  }
}

/** Resolves once a connection to `url` answers `SELECT 1`. */
async function accepts(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const bin = locatePostgresBin();
  const identity = serverIdentity();
  const temporary = !options.dataDir;
  const base = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-postgres-'));
  const dataDir = join(base, 'data');
  if (identity) chownSync(base, identity.uid, identity.gid);
  const asServerUser = { ...(identity ?? {}), env: { ...process.env, LC_ALL: 'C.UTF-8', HOME: base } };
  const user = 'postgres';
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // Trust on loopback only: the server listens on 127.0.0.1 and a socket in its own directory.
    execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...asServerUser, stdio: 'ignore' });
  }
  const settings = [
    `port=${options.port}`,
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${base}`,
    // Temporal's services and four Vigil processes each keep a pool.
    'max_connections=300',
    ...(options.unsafeFast ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const child = spawn(join(bin, 'postgres'), ['-D', dataDir, ...settings.flatMap((setting) => ['-c', setting])], {
    ...asServerUser,
    stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'],
  });
  const host = '127.0.0.1';
  const url = (database: string) => `postgres://${user}@${host}:${options.port}/${database}`;
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing waits on them.
    await stopChild(child, 'SIGINT');
    if (temporary) rmSync(base, { recursive: true, force: true });
  };
  try {
    await retryUntilReady(child, { name: 'PostgreSQL', what: 'accepting connections', timeoutMs: 30_000, intervalMs: 200 }, () => accepts(url('postgres')));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host,
    port: options.port,
    user,
    process: child,
    url,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (existing.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

// `tsx scripts/postgres.ts [port] [dataDir]`: a PostgreSQL for trying the topology by hand.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const port = Number(process.argv[2] ?? 5432);
  const server = await startPostgres({ port, dataDir: process.argv[3], stdio: 'inherit' });
  await server.createDatabase('vigil');
  console.log(`PostgreSQL on ${server.host}:${port}; Vigil's database: DATABASE_URL=${server.url('vigil')} (Ctrl-C stops it)`);
  stopOnSignal(server);
}
