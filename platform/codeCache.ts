/**
 * Runs a production bundle (`dist/<process>/main.bundle.cjs`) through a V8 code cache, so a
 * process that starts again skips compiling most of its code (issue 12: API ready in ≤ 1 s).
 * Node 20 has no compile cache of its own (Node 22's `module.enableCompileCache` is it) and none
 * for ES modules, so the bundle is CommonJS and compiled here with `vm.Script`, which takes and
 * makes V8's cached data. Decision 63 says why, and what was measured.
 *
 * The cache file sits beside the bundle. `npm run build` writes a first one (the bundle's
 * modules loaded, its main not run); a process whose cache is missing or rejected (another Node
 * or V8 flags) writes a fuller one once it is ready. A cache is derived from the build, like the
 * build: nothing a second host needs, and a process that cannot write it (read-only image) runs
 * as fast as without one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** Set by `npm run build`: load the bundle's modules, write the cache, exit without starting. */
export const WARM_CODE_CACHE_ENV = 'VIGIL_WARM_CODE_CACHE';
/** The process emits this on `process` once it is ready; the cache is written then. */
export const PROCESS_READY_EVENT = 'vigil:ready';

export type CodeCacheStatus = 'used' | 'absent' | 'rejected' | 'off';

/** Whether this start only warms the cache (the bundle's main function must not run). */
export function warmingCodeCache(): boolean {
  return process.env[WARM_CODE_CACHE_ENV] === '1';
}

/** Says the process is ready: the launcher writes the code cache if it has none that fits. */
export function announceReady(): void {
  (process.emit as (event: string) => boolean)(PROCESS_READY_EVENT);
}

/** One JSON line in the logger's shape (pino is inside the bundle, not loaded yet). */
function logLine(level: 30 | 40, msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, name: 'vigil-code-cache', ...extra, msg })}\n`);
}

function writeCache(cacheFile: string, data: Buffer): void {
  const temporary = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temporary, data);
    // Replicas started together may both write: each renames a whole file over the other's.
    renameSync(temporary, cacheFile);
  } catch (error) {
    rmSync(temporary, { force: true });
    logLine(40, 'code cache not written: starts stay slower', { file: cacheFile, reason: (error as Error).message });
  }
}

/**
 * Compiles and runs the CommonJS bundle at `bundlePath` the way Node runs a CommonJS main module,
 * with the code cache beside it. `VIGIL_CODE_CACHE=off` runs it without one.
 */
export function runBundleWithCodeCache(bundlePath: string): CodeCacheStatus {
  const cacheFile = `${bundlePath}.cache`;
  const useCache = process.env.VIGIL_CODE_CACHE !== 'off';
  let cachedData: Buffer | undefined;
  if (useCache) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // first start after a build without a warmed cache
    }
  }
  const source = readFileSync(bundlePath, 'utf8');
  // The same wrapper Node puts around a CommonJS module, plus the bundle's own URL, which stands
  // in for `import.meta.url` (scripts/build.ts).
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __vigilBundleUrl) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const status: CodeCacheStatus = !useCache ? 'off' : cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  logLine(30, `code cache ${status}`, { file: cacheFile });
  const bundleModule = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(bundleModule.exports, createRequire(bundlePath), bundleModule, bundlePath, dirname(bundlePath), pathToFileURL(bundlePath).href);

  if (warmingCodeCache()) {
    writeCache(cacheFile, script.createCachedData());
    process.exit(0);
  }
  // Made once the process is ready, the cache holds the functions start-up compiled, not only
  // the top level. A cache that was used is kept: rewriting it at every start gains nothing.
  if (useCache && status !== 'used') process.once(PROCESS_READY_EVENT, () => writeCache(cacheFile, script.createCachedData()));
  return status;
}
