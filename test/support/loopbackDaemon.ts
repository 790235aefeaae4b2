/**
 * A server binary run by a test on a free loopback port, in its own temporary directory:
 * started, waited for until its readiness URL answers, and stopped (SIGTERM, then SIGKILL)
 * with the directory removed. Shared by the Alertmanager and Prometheus starters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from '../../devkit/childProcess';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../devkit/freePort';
import { waitFor } from '../../devkit/waitFor';

export interface LoopbackDaemon {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Its temporary directory (config, storage); removed on stop. */
  dir: string;
  child: ChildProcess;
  /** The last of what it wrote, for failure messages. */
  output(): string;
  stop(graceMs?: number): Promise<void>;
}

export interface DaemonSpec {
  /** For messages: "Alertmanager", "Prometheus". */
  name: string;
  bin: string;
  /** How to install it when missing. */
  install: string;
  /** Writes its files into `dir` and returns its arguments for that port and URL. */
  prepare(dir: string, port: number, url: string): Promise<string[]>;
  /** The path answering 200 once it serves (`/-/ready`). */
  readyPath: string;
  readyTimeoutMs?: number;
}

export async function startLoopbackDaemon(spec: DaemonSpec): Promise<LoopbackDaemon> {
  if (!existsSync(spec.bin)) throw new Error(`${spec.bin} not found: ${spec.install}`);
  const dir = await mkdtemp(join(tmpdir(), `vigil-${spec.name.toLowerCase()}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = spawn(spec.bin, await spec.prepare(dir, port, url), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const daemon: LoopbackDaemon = {
    url,
    port,
    dir,
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      await stopChild(child, 'SIGTERM', graceMs);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      `${spec.name} to be ready on ${url}`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${spec.name} exited (${child.exitCode ?? child.signalCode}): ${output}`);
        return (await fetch(`${url}${spec.readyPath}`).catch(() => undefined))?.ok;
      },
      spec.readyTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await daemon.stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return daemon;
}
