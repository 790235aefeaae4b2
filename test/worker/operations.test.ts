import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../domain/config';
import { DEFAULT_WORKER_PORT, workerOperations } from '../../worker/operations';

describe('workerOperations (the worker process settings from the environment)', () => {
  it('defaults: health on loopback 9464 (not explicit), SDK metrics on any free port, 20 s grace, no versioning', () => {
    expect(workerOperations({})).toEqual({ healthHost: '127.0.0.1', healthPort: DEFAULT_WORKER_PORT, healthPortExplicit: false, shutdownGraceTime: '20s' });
  });

  it('reads every variable', () => {
    const operations = workerOperations({
      VIGIL_WORKER_HOST: '0.0.0.0',
      VIGIL_WORKER_PORT: '9500',
      VIGIL_WORKER_SDK_METRICS_PORT: '9501',
      VIGIL_WORKER_SHUTDOWN_GRACE: '45s',
      VIGIL_WORKER_DEPLOYMENT: 'vigil',
      VIGIL_BUILD_ID: '2026-11-29.1',
    });
    expect(operations).toEqual({
      healthHost: '0.0.0.0',
      healthPort: 9500,
      healthPortExplicit: true,
      sdkMetricsPort: 9501,
      shutdownGraceTime: '45s',
      workerDeploymentOptions: { version: { deploymentName: 'vigil', buildId: '2026-11-29.1' }, useWorkerVersioning: true, defaultVersioningBehavior: 'AUTO_UPGRADE' },
    });
  });

  it('names the variable that is wrong', () => {
    const fieldOf = (env: NodeJS.ProcessEnv) => {
      try {
        workerOperations(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((issue) => issue.path);
      }
      return [];
    };
    expect(fieldOf({ VIGIL_WORKER_PORT: 'http' })).toEqual(['VIGIL_WORKER_PORT']);
    expect(fieldOf({ VIGIL_WORKER_PORT: '70000' })).toEqual(['VIGIL_WORKER_PORT']);
    expect(fieldOf({ VIGIL_WORKER_SHUTDOWN_GRACE: 'soon' })).toEqual(['VIGIL_WORKER_SHUTDOWN_GRACE']);
    expect(fieldOf({ VIGIL_WORKER_DEPLOYMENT: 'vigil' })).toEqual(['VIGIL_BUILD_ID']);
    expect(fieldOf({ VIGIL_BUILD_ID: 'abc' })).toEqual(['VIGIL_WORKER_DEPLOYMENT']);
  });
});
