/**
 * The worker and the API load their whole module graph under Node's own ESM loader (tsx only
 * strips types), as `npm start` runs them. Vitest's interop forgives what Node does not: a named
 * import from a CommonJS package passed every unit test and stopped every worker at start.
 * `VIGIL_WARM_CODE_CACHE=1` makes each main module load everything and return without starting.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WARM_CODE_CACHE_ENV } from '../../platform/codeCache';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the processes’ module graphs under plain Node', () => {
  it.each(['worker/main.ts', 'api/main.ts'])('%s loads every module it imports', (entry) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(`./${entry}`)})`], {
      cwd: ROOT,
      env: { ...process.env, [WARM_CODE_CACHE_ENV]: '1', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).not.toMatch(/SyntaxError|does not provide an export|ERR_/);
    expect(result.status).toBe(0);
  }, 90_000);
});
