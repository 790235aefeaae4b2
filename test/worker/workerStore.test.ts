import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, openWorkerStore } from '../../worker/workerStore';

describe("the worker's store", () => {
  it('knows a loopback Temporal address from a remote one', () => {
    for (const address of ['localhost:7233', '127.0.0.1:7233', '[::1]:7233', 'http://localhost:7233']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['temporal.internal:7233', '10.0.0.5:7233', 'my-ns.tmprl.cloud:7233', '[2001:db8::1]:7233']) expect(isLoopbackAddress(address)).toBe(false);
  });

  it('refuses a second worker on one embedded store, and warns when Temporal is elsewhere', async () => {
    const home = await mkdtemp(join(tmpdir(), 'vigil-worker-store-'));
    // A live process holds the embedded store (as a first worker would).
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(join(home, 'worker-store.lock'), String(holder.pid));
      const warnings: string[] = [];
      await expect(openWorkerStore({ vigilDir: home, temporalAddress: 'temporal.internal:7233', warn: (message) => warnings.push(message) })).rejects.toThrow(
        `another worker (pid ${holder.pid}) uses the embedded store`,
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('Set DATABASE_URL on every worker');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
