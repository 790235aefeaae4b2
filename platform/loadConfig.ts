import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VigilConfig } from '../domain/config';
import { ConfigError, parseConfig } from '../domain/config';
import type { ApiKeyHolder } from '../domain/roles';

/** `VIGIL_CONFIG`, else `vigil.config.ts` in the working directory. */
export function configPath(): string {
  return resolve(process.env.VIGIL_CONFIG ?? 'vigil.config.ts');
}

/**
 * Loads and validates the config module (its default export). Both the worker and the API
 * call this at start, so a bad config stops them with every field-precise problem listed.
 */
export async function loadConfig(path = configPath()): Promise<VigilConfig> {
  if (!existsSync(path)) throw new ConfigError(path, [{ path: '', message: 'file not found (set VIGIL_CONFIG to its path)' }]);
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
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
