/**
 * Vigil's one SQL store, for what is not a workflow (the alert spool, event records, maintenance
 * windows): PostgreSQL when `DATABASE_URL` is set, so API replicas share it; otherwise PGlite
 * (PostgreSQL compiled to WebAssembly) in a folder under `.vigil/`. One SQL dialect for both.
 */
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { migrate } from './migrations';

/**
 * PostgreSQL text and jsonb cannot hold U+0000, nor jsonb a lone UTF-16 surrogate, both of which
 * alerts from the outside may carry: each becomes U+FFFD (the replacement character) on the way
 * in, so such an alert is still kept rather than refused.
 */
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function withoutNul(param: unknown): unknown {
  return typeof param === 'string' ? param.replace(NUL, '\uFFFD') : param;
}

function storable(text: string): string {
  return text.replace(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

function deepWithoutNul(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(deepWithoutNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key), deepWithoutNul(inner)]));
  }
  return value;
}

/** A JSON text for a jsonb parameter, with U+0000 and lone surrogates in any string or key replaced as above. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(deepWithoutNul(value));
}

/** Runs SQL with `$1`-style parameters; the one thing stores and migrations need. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface SqlStore extends SqlExecutor {
  /** `postgres` (DATABASE_URL) or `embedded` (PGlite). */
  readonly kind: 'postgres' | 'embedded';
  /** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqlStoreOptions {
  /** A PostgreSQL connection string; wins over `dataDir`. */
  databaseUrl?: string;
  /** PGlite's folder; in memory when absent (tests). */
  dataDir?: string;
}

function embedded(db: PGlite): SqlStore {
  return {
    kind: 'embedded',
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await db.query<Row>(sql, params.map(withoutNul))).rows;
    },
    transaction(work) {
      return db.transaction((tx) => work({ query: async <Row>(sql: string, params: unknown[] = []) => (await tx.query<Row>(sql, params.map(withoutNul))).rows }));
    },
    close: () => db.close(),
  };
}

function postgres(pool: pg.Pool): SqlStore {
  return {
    kind: 'postgres',
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params.map(withoutNul))).rows as Row[];
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params.map(withoutNul))).rows as Row[] });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Where in-memory stores start from: PGlite's initdb plus every migration take seconds, and a test
 * run opens hundreds of in-memory stores, so a run may instead copy one migrated, empty database
 * (a data-folder tarball from `migratedTemplate`). Each store is its own copy; `migrate` still
 * runs on it, so a template missing a newer step gets it like any old database would.
 */
let inMemoryTemplate: (() => Promise<Blob | undefined>) | undefined;

/** In-memory stores opened from now on in this process start from the tarball `template` gives (none: initdb as usual); returns the one it replaces. */
export function startInMemoryStoresFrom(template: (() => Promise<Blob | undefined>) | undefined): (() => Promise<Blob | undefined>) | undefined {
  const replaced = inMemoryTemplate;
  inMemoryTemplate = template;
  return replaced;
}

/** A fresh in-memory database with every migration applied, as a PGlite data-folder tarball. */
export async function migratedTemplate(): Promise<Blob> {
  const { PGlite: Embedded } = await import('@electric-sql/pglite');
  const db = await Embedded.create();
  try {
    await migrate(embedded(db));
    // Uncompressed: loading it is then a copy, and the tarball never leaves the machine.
    return await db.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

/** Opens the store and brings its schema up to date. */
export async function openSqlStore(options: SqlStoreOptions): Promise<SqlStore> {
  // Each driver is loaded only when it is the one used: a process needs one, and loading is most of its start.
  let store: SqlStore;
  if (options.databaseUrl) {
    const { default: pgDriver } = await import('pg');
    // A short connect timeout: an unreachable database must fail a request, not hang it.
    store = postgres(new pgDriver.Pool({ connectionString: options.databaseUrl, max: 10, connectionTimeoutMillis: 5_000 }));
  } else {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const { PGlite: Embedded } = await import('@electric-sql/pglite');
    const template = options.dataDir ? undefined : await inMemoryTemplate?.();
    store = embedded(await (template ? Embedded.create({ loadDataDir: template }) : Embedded.create(options.dataDir)));
  }
  try {
    await migrate(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
