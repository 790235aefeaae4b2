/**
 * Vigil's API (api/main.ts, as `npm run api` and `npm start` run it) as a bench's child process,
 * on the bench's Temporal and task queue: the API in its own process, as deployed, beside a worker
 * the bench runs itself. Its config is the bench's, written as JSON (a deployment may mount one);
 * its SQL store is the embedded one under a temporary VIGIL_HOME. Ready once `/readyz` answers 200.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../devkit/freePort';
import { waitFor } from '../../devkit/waitFor';
import { spawnBenchChild, type BenchChild } from './benchChild';
import { benchHome, workerBaseEnv } from './benchServers';
import type { BenchCleanups } from './benchProcess';

export interface ApiProcess extends BenchChild {
  url: string;
}

export async function startApiProcess(options: {
  /** The raw config (what a vigil.config.ts would export), written as JSON for the child. */
  rawConfig: unknown;
  temporalAddress: string;
  taskQueue: string;
  payloadKeys: string;
  /** Environment the child gets on top of the bench's own without Vigil's settings (the API key a config entry names, for one). */
  env: NodeJS.ProcessEnv;
  cleanups: BenchCleanups;
  startTimeoutMs?: number;
}): Promise<ApiProcess> {
  const home = await benchHome('api', options.cleanups);
  const configFile = join(home, 'vigil.config.json');
  await writeFile(configFile, JSON.stringify(options.rawConfig));
  const port = await freePort();
  const child = spawnBenchChild({
    label: 'the API',
    script: 'api/main.ts',
    env: {
      ...workerBaseEnv(),
      ...options.env,
      VIGIL_CONFIG: configFile,
      VIGIL_HOME: home,
      TEMPORAL_ADDRESS: options.temporalAddress,
      VIGIL_TASK_QUEUE: options.taskQueue,
      VIGIL_PAYLOAD_KEYS: options.payloadKeys,
      PORT: String(port),
      HOST: '127.0.0.1',
      VIGIL_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    cleanups: options.cleanups,
  });
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await waitFor(
      'the API to answer /readyz',
      async () => {
        child.alive();
        return fetch(`${url}/readyz`).then((response) => response.ok, () => false);
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; its last lines:\n  ${child.tail()}`);
  }
  return Object.assign(child, { url });
}
