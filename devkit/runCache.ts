/**
 * Things costly to make and the same for every test file of a run (the workflow bundle, a migrated
 * empty database), made once per run instead of once per file: the first process that needs one
 * makes it and leaves it in the run's folder (`VIGIL_TEST_RUN_CACHE`, which test/support/globalSetup.ts
 * creates empty at the start of every run and deletes at the end), later files read it. Outside a
 * test run (scripts, benches) there is no folder and each process makes its own.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RUN_CACHE_ENV = 'VIGIL_TEST_RUN_CACHE';

/** The bytes saved under `name` in this run's folder, made by `make` (and saved) if no file has saved them yet. */
export async function madeOncePerRun(name: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> {
  const folder = process.env[RUN_CACHE_ENV];
  if (!folder) return make();
  const path = join(folder, name);
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const bytes = await make();
  // Written aside and renamed: a reader sees the whole file or none.
  const partial = `${path}.${randomUUID()}.partial`;
  await writeFile(partial, bytes);
  await rename(partial, path);
  return bytes;
}
