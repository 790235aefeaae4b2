import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { createTimeSkippingEnv, workflowBundle } from '../../devkit/timeSkippingServer';

export { createTimeSkippingEnv, workflowBundle, WORKFLOWS_PATH } from '../../devkit/timeSkippingServer';

/**
 * One time-skipping server for a test file: started (and the workflows bundled) before its
 * tests, torn down after. `use` receives it, so the file keeps a plain `env` variable.
 */
export function useTimeSkippingEnv(use: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    use(env);
    await workflowBundle();
  });
  afterAll(async () => {
    await env?.teardown();
  });
}
