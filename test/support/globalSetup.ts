import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { locateTemporalCli, locateTestServer } from '../../scripts/temporalBinaries';
import { RUN_CACHE_ENV } from '../../devkit/runCache';

/** Install the Temporal binaries once, before any test file starts a server. */
export default async function setup(project: TestProject): Promise<() => void> {
  process.env.TEMPORAL_CLI ??= await locateTemporalCli();
  process.env.TEMPORAL_TEST_SERVER ??= locateTestServer();
  // An empty folder per run for what test files make once and share (devkit/runCache.ts): never one
  // left by an earlier run, so nothing built from older code is read.
  const runCache = mkdtempSync(join(tmpdir(), 'vigil-test-run-'));
  process.env[RUN_CACHE_ENV] = runCache;
  const empty = () => rmSync(runCache, { recursive: true, force: true });
  // Watch mode reruns after an edit: start again from an empty folder, so the bundle is of the edited code.
  project.onTestsRerun(() => {
    empty();
    mkdirSync(runCache);
  });
  return empty;
}
