/**
 * Where Vigil's Temporal lives, from the environment only, following Temporal's own env-config
 * conventions (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`,
 * `TEMPORAL_PROFILE` and the TOML config file), so pointing Vigil at another cluster or at
 * Temporal Cloud is configuration, not code.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalSettings {
  connection: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
}

export const DEFAULT_TASK_QUEUE = 'vigil-incidents';

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const loaded = loadClientConnectConfig({ profile: env.TEMPORAL_PROFILE });
  return {
    connection: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? 'localhost:7233' },
    namespace: loaded.namespace ?? 'default',
    taskQueue: env.VIGIL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  };
}
