import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VigilConfig } from '../domain/config';
import { ConfigError, parseConfig } from '../domain/config';
import type { ApiKeyHolder } from '../domain/roles';

/** True when this module runs from the build (`dist/`), where Node cannot import TypeScript. */
const RUNNING_BUILT = import.meta.url.endsWith('.js');

/**
 * `VIGIL_CONFIG`, else `vigil.config.ts` in the working directory; a build (`npm run build`)
 * defaults to the config compiled with it, `dist/vigil.config.js`.
 */
export function configPath(): string {
  if (process.env.VIGIL_CONFIG) return resolve(process.env.VIGIL_CONFIG);
  return RUNNING_BUILT ? fileURLToPath(new URL('../vigil.config.js', import.meta.url)) : resolve('vigil.config.ts');
}

/**
 * Loads and validates the config module (its default export). Both the worker and the API
 * call this at start, so a bad config stops them with every field-precise problem listed.
 */
export async function loadConfig(path = configPath()): Promise<VigilConfig> {
  if (!existsSync(path)) throw new ConfigError(path, [{ path: '', message: 'file not found (set VIGIL_CONFIG to its path)' }]);
  // A built deployment may mount plain data (.json) or a JavaScript module (.js, .mjs) instead.
  if (path.endsWith('.json')) return parseConfig(JSON.parse(await readFile(path, 'utf8')) as unknown, path);
  if (RUNNING_BUILT && /\.[cm]?ts$/.test(path)) {
    throw new ConfigError(path, [{ path: '', message: 'a build runs on plain Node, which cannot load TypeScript: rebuild with this config as vigil.config.ts, or set VIGIL_CONFIG to a .js, .mjs or .json file' }]);
  }
  // An absolute path, not a file URL: the production bundle is CommonJS run through a code cache
  // (decision 58), where this import becomes require(), which takes paths only.
  const module = (await import(resolve(path))) as { default?: unknown };
  return parseConfig(module.default, path);
}

/** API keys from config, resolved from the environment: key value → the user it acts as, and its role. */
export function resolveApiKeys(config: VigilConfig, env: NodeJS.ProcessEnv = process.env): Map<string, ApiKeyHolder> {
  const keys = new Map<string, ApiKeyHolder>();
  for (const entry of config.apiKeys) {
    const value = env[entry.env];
    if (value) keys.set(value, { user: entry.user, role: entry.role });
  }
  return keys;
}
