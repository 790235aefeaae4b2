/**
 * How a worker process is operated, from the environment only: where its health and metrics
 * answer, how long a stop waits for running activities, and (opt-in) which Worker Deployment
 * version it is. docs/deployment.md documents each variable.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../domain/config';

export interface WorkerOperations {
  /** `VIGIL_WORKER_HOST`:`VIGIL_WORKER_PORT` (127.0.0.1:9464): `/healthz` and `/metrics`. */
  healthHost: string;
  healthPort: number;
  /** False when the port is the default: if it is taken (a second worker on a laptop), another is used. */
  healthPortExplicit: boolean;
  /** Core's Prometheus exporter, always on loopback, forwarded by `/metrics`; any free port when absent. */
  sdkMetricsPort?: number;
  /** `VIGIL_WORKER_SHUTDOWN_GRACE` (20s): activities may finish this long after SIGTERM, then are cancelled and retried elsewhere. */
  shutdownGraceTime: string;
  /** Set only when both `VIGIL_WORKER_DEPLOYMENT` and `VIGIL_BUILD_ID` are. */
  workerDeploymentOptions?: WorkerOptions['workerDeploymentOptions'];
}

export const DEFAULT_WORKER_PORT = 9464;
const DEFAULT_SHUTDOWN_GRACE = '20s';

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new ConfigError('environment', [{ path: name, message: `a TCP port (0-65535), not "${raw}"` }]);
  return value;
}

export function workerOperations(env: NodeJS.ProcessEnv = process.env): WorkerOperations {
  const grace = env.VIGIL_WORKER_SHUTDOWN_GRACE || DEFAULT_SHUTDOWN_GRACE;
  if (!/^\d+(ms|s|m)$/.test(grace)) throw new ConfigError('environment', [{ path: 'VIGIL_WORKER_SHUTDOWN_GRACE', message: `a duration such as 20s or 500ms, not "${grace}"` }]);
  const deploymentName = env.VIGIL_WORKER_DEPLOYMENT;
  const buildId = env.VIGIL_BUILD_ID;
  if (Boolean(deploymentName) !== Boolean(buildId)) {
    throw new ConfigError('environment', [{ path: deploymentName ? 'VIGIL_BUILD_ID' : 'VIGIL_WORKER_DEPLOYMENT', message: 'worker versioning needs both VIGIL_WORKER_DEPLOYMENT and VIGIL_BUILD_ID' }]);
  }
  return {
    healthHost: env.VIGIL_WORKER_HOST || '127.0.0.1',
    healthPort: port(env, 'VIGIL_WORKER_PORT', DEFAULT_WORKER_PORT),
    healthPortExplicit: Boolean(env.VIGIL_WORKER_PORT),
    ...(env.VIGIL_WORKER_SDK_METRICS_PORT ? { sdkMetricsPort: port(env, 'VIGIL_WORKER_SDK_METRICS_PORT', 0) } : {}),
    shutdownGraceTime: grace,
    // Incidents live for hours or days: AUTO_UPGRADE moves them to the new version at their next
    // task (their code stays replay-safe with patches), so old versions drain instead of lingering.
    ...(deploymentName && buildId
      ? { workerDeploymentOptions: { version: { deploymentName, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' as const } }
      : {}),
  };
}
