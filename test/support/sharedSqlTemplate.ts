/**
 * Every test file's in-memory SQL stores start from one migrated, empty database made once per run
 * (platform/sqlStore.ts `startInMemoryStoresFrom`), instead of each running initdb and every
 * migration: the same schema (test/platform/sqlTemplate.test.ts compares them), seconds less per store.
 */
import { migratedTemplate, startInMemoryStoresFrom } from '../../platform/sqlStore';
import { madeOncePerRun } from '../../devkit/runCache';

let template: Promise<Blob> | undefined;

startInMemoryStoresFrom(() => {
  // Made or read only when a file first opens a store: files without one pay nothing.
  template ??= madeOncePerRun('migrated-store.tar', async () => new Uint8Array(await (await migratedTemplate()).arrayBuffer())).then((bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>]));
  return template;
});
