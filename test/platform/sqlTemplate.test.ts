/**
 * In-memory stores copied from a migrated template (how every test file's stores start,
 * test/support/sharedSqlTemplate.ts) are the same database as one made by initdb and every
 * migration, and each copy is its own.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../platform/migrations';
import { migratedTemplate, openSqlStore, startInMemoryStoresFrom, type SqlStore } from '../../platform/sqlStore';

/** Everything the migrations make in the public schema, in a stable order, as text. */
async function schemaOf(store: SqlStore) {
  const migrations = await store.query<{ version: number }>('SELECT version FROM vigil_migrations ORDER BY version');
  const columns = await store.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, ordinal_position
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await store.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`);
  const constraints = await store.query(
    `SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' ORDER BY 1, 2`,
  );
  const sequences = await store.query(`SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`);
  const functions = await store.query(`SELECT p.proname, pg_get_functiondef(p.oid) AS definition FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`);
  return { migrations: migrations.map((row) => row.version), columns, indexes, constraints, sequences, functions };
}

describe('in-memory stores from a migrated template', () => {
  let template: Blob;
  let restore: (() => Promise<Blob | undefined>) | undefined;
  beforeAll(async () => {
    // The run's shared template when there is one (test/support/sharedSqlTemplate.ts), so this is the one every file's stores copy.
    restore = startInMemoryStoresFrom(undefined);
    template = (await restore?.()) ?? (await migratedTemplate());
  });
  afterAll(() => {
    startInMemoryStoresFrom(restore);
  });

  it('have the schema of a store made by initdb and every migration, all steps recorded', async () => {
    const fresh = await openSqlStore({});
    startInMemoryStoresFrom(() => Promise.resolve(template));
    const copied = await openSqlStore({});
    startInMemoryStoresFrom(undefined);
    try {
      const expected = await schemaOf(fresh);
      expect(expected.migrations).toEqual(MIGRATIONS.map((step) => step.version));
      expect(expected.columns.length).toBeGreaterThan(0);
      expect(expected.indexes.length).toBeGreaterThan(0);
      expect(await schemaOf(copied)).toEqual(expected);
    } finally {
      await fresh.close();
      await copied.close();
    }
  });

  it('start from the template (what it holds is there) and are each their own copy', async () => {
    const seeded = await PGlite.create({ loadDataDir: template });
    await seeded.query(`INSERT INTO alert_spool (item) VALUES ('{"from":"template"}'::jsonb)`);
    const marked = await seeded.dumpDataDir('none');
    await seeded.close();

    startInMemoryStoresFrom(() => Promise.resolve(marked));
    const first = await openSqlStore({});
    const second = await openSqlStore({});
    startInMemoryStoresFrom(undefined);
    try {
      expect(await first.query('SELECT item FROM alert_spool')).toEqual([{ item: { from: 'template' } }]);
      await first.query(`INSERT INTO alert_spool (item) VALUES ('{"from":"first"}'::jsonb)`);
      expect(await second.query('SELECT item FROM alert_spool')).toEqual([{ item: { from: 'template' } }]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
