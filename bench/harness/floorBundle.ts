/**
 * The floor workflow (bench/floorWorkflow.ts) bundled as its own worker loads it: `bench:core`
 * runs it beside Vigil, `bench:first-task` replays its first task. Quiet but for errors.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export function bundleFloorWorkflow(): Promise<WorkflowBundleWithSourceMap> {
  const quiet = () => undefined;
  return bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../floorWorkflow.ts', import.meta.url)),
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error },
  });
}
