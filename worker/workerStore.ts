/**
 * The worker's SQL store: the delivery log, which every worker replica must share so that a
 * page retried on another host is not sent twice. With `DATABASE_URL` it is that PostgreSQL
 * (the one the API replicas use). Without it, on a laptop, an embedded PGlite under
 * `VIGIL_HOME/worker-store`: PGlite is one process's database and the API already holds
 * `VIGIL_HOME/store`, so the worker keeps its own, and only one worker may use it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openSqlStore, type SqlStore } from '../platform/sqlStore';

export interface WorkerStoreOptions {
  databaseUrl?: string;
  vigilDir: string;
  /** Where Temporal is: a remote one with an embedded store means replicas that share nothing. */
  temporalAddress: string;
  warn: (message: string) => void;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

/** The host part of `host:port`, `[v6]:port` or a bare host. */
function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1];
  return address.split(':')[0];
}

export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK_HOST.test(hostOf(address.replace(/^[a-z]+:\/\//i, '')));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One worker per embedded store: a second process opening the same PGlite folder would corrupt
 * it. The lock names the holder's pid; a holder that died (SIGKILL) leaves a lock that is taken over.
 */
function lockEmbeddedStore(dir: string): () => void {
  mkdirSync(dirname(dir), { recursive: true });
  // Beside the folder, not in it: PGlite owns what is inside.
  const lockPath = `${dir}.lock`;
  for (let round = 0; round < 2; round++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new Error(
          `another worker (pid ${holder}) uses the embedded store ${dir}; to run several workers, set DATABASE_URL to a PostgreSQL they all share`,
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock the embedded store ${dir}`);
}

export async function openWorkerStore(options: WorkerStoreOptions): Promise<SqlStore> {
  if (options.databaseUrl) return openSqlStore({ databaseUrl: options.databaseUrl });
  if (!isLoopbackAddress(options.temporalAddress)) {
    options.warn(
      `DATABASE_URL is not set, so the delivery log is this host's alone (${join(options.vigilDir, 'worker-store')}) while Temporal (${options.temporalAddress}) is elsewhere: ` +
        'a worker on another host would not see what this one sent, and could page someone twice. Set DATABASE_URL on every worker.',
    );
  }
  const dir = join(options.vigilDir, 'worker-store');
  const unlock = lockEmbeddedStore(dir);
  try {
    const store = await openSqlStore({ dataDir: dir });
    return { ...store, kind: store.kind, close: async () => (await store.close(), unlock()) };
  } catch (error) {
    unlock();
    throw error;
  }
}
