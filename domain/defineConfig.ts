import type { VigilConfigInput } from './config';

/**
 * Identity function that gives `vigil.config.ts` type checking and editor completion. It lives
 * apart from the config schema so that loading a config file loads no schema: a built process
 * has the schema in its bundle already, and a second copy of zod and the domain would cost a
 * fifth of a second of every start.
 */
export function defineConfig(config: VigilConfigInput): VigilConfigInput {
  return config;
}
