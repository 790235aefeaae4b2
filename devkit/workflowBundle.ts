/**
 * Vigil's workflow code bundled as the worker bundles it, once: bundling takes seconds, and every
 * workflow test file and every stack needs the same bundle, so a test run makes it once and its
 * files share it (devkit/runCache.ts); elsewhere, once per process.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/workflowBundleOptions';
import { madeOncePerRun } from './runCache';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= madeOncePerRun('workflow-bundle.json', async () => {
    const { code, sourceMap } = await bundleWorkflowCode(workflowBundleOptions(WORKFLOWS_PATH, quietLogger));
    return Buffer.from(JSON.stringify({ code, sourceMap }));
  }).then((bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as WorkflowBundleWithSourceMap);
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
