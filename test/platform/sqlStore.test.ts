/**
 * The SQL store on both engines: the embedded one (PGlite) and PostgreSQL over the wire (the
 * `pg` driver Vigil uses with DATABASE_URL, talking to PGlite's socket server on loopback).
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../platform/migrations';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { freePort } from '../../devkit/freePort';

async function exercise(store: SqlStore): Promise<void> {
  const tables = await store.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
  expect(tables.map((row) => row.name)).toEqual(expect.arrayContaining(['alert_spool', 'spool_lease', 'vigil_migrations']));
  // A transaction that throws leaves nothing behind.
  await expect(
    store.transaction(async (tx) => {
      await tx.query(`INSERT INTO alert_spool (item) VALUES ($1::jsonb)`, [JSON.stringify({ rolled: 'back' })]);
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
  expect((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM alert_spool'))[0].n).toBe(0);
  await store.transaction((tx) => tx.query(`INSERT INTO alert_spool (item) VALUES ($1::jsonb)`, [JSON.stringify({ kept: true })]));
  expect(await store.query('SELECT item FROM alert_spool')).toEqual([{ item: { kept: true } }]);
}

describe('the SQL store', () => {
  it('migrates an embedded store, keeps committed work and drops rolled-back work', async () => {
    const store = await openSqlStore({});
    try {
      expect(store.kind).toBe('embedded');
      await exercise(store);
    } finally {
      await store.close();
    }
  });

  describe('over the PostgreSQL wire protocol (DATABASE_URL)', () => {
    let db: PGlite;
    let server: PGLiteSocketServer;
    let url: string;
    beforeAll(async () => {
      db = await PGlite.create();
      const port = await freePort();
      server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 20 });
      await server.start();
      url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    });
    afterAll(async () => {
      await server.stop();
      await db.close();
    });

    it('migrates once however many times it is opened, and works the same', async () => {
      const first = await openSqlStore({ databaseUrl: url });
      try {
        expect(first.kind).toBe('postgres');
        await exercise(first);
      } finally {
        await first.close();
      }
      const second = await openSqlStore({ databaseUrl: url });
      try {
        expect(await second.query('SELECT version FROM vigil_migrations ORDER BY version')).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
      } finally {
        await second.close();
      }
    });
  });
});
