/**
 * Bundles the workflow code in a short-lived child process and hands the worker the result.
 *
 * Given only `workflowsPath`, the SDK bundles with webpack inside the worker process, and the
 * memory webpack used stays in the worker's RSS for as long as it runs. The child takes that cost
 * and exits; the worker loads the finished bundle. Run as a script (`tsx worker/bundleWorkflows.ts
 * <out>`) it is that child.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './createWorker';
import { workflowBundleOptions } from './workflowBundleOptions';

const THIS_FILE = fileURLToPath(import.meta.url);
/** Bundling takes a few seconds; this bounds a hung child. */
const BUNDLE_DEADLINE_MS = 180_000;

/** The bundle `npm run build` made ahead of time (`dist/workflow-bundle.js`), when running from that build. */
export function prebuiltWorkflowBundle(): { codePath: string } | undefined {
  const codePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return THIS_FILE.endsWith('.js') && existsSync(codePath) ? { codePath } : undefined;
}

/** The workflow bundle built by a child process, read into memory (the file is removed). */
export async function bundleWorkflowsInChild(workDir: string): Promise<{ code: string }> {
  await mkdir(workDir, { recursive: true });
  const outPath = join(workDir, `workflow-bundle-${randomUUID()}.js`);
  try {
    await new Promise<void>((resolve, reject) => {
      const args = THIS_FILE.endsWith('.ts') ? ['--import', 'tsx', THIS_FILE, outPath] : [THIS_FILE, outPath];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4_000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), BUNDLE_DEADLINE_MS);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`bundling the workflow code failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
      });
    });
    return { code: await readFile(outPath, 'utf8') };
  } finally {
    await rm(outPath, { force: true });
  }
}

async function bundleTo(outPath: string): Promise<void> {
  const { code } = await bundleWorkflowCode(workflowBundleOptions(WORKFLOWS_PATH));
  // Written whole or not at all: the parent reads it only after this process exits 0.
  await writeFile(`${outPath}.partial`, code);
  await rename(`${outPath}.partial`, outPath);
}

if (process.argv[1] === THIS_FILE) {
  const outPath = process.argv[2];
  if (!outPath) {
    console.error('usage: tsx worker/bundleWorkflows.ts <output file>');
    process.exit(2);
  }
  bundleTo(outPath).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
