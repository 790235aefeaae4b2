/**
 * `npm run bench:startup`: how long the production build takes from process start to ready.
 * Worker: `/healthz` 200 (polling its task queue, bundle loaded); API: `/readyz` 200 (Temporal
 * reachable, SQL store open). Against the Temporal dev server on loopback, each process on its
 * own VIGIL_HOME; the API once with the embedded store and once with DATABASE_URL (PGlite served
 * over the PostgreSQL wire protocol, as `pg` talks to a real PostgreSQL). The embedded store is
 * measured restarting on an existing database, as a replica restarts; its first start is shown apart. Runs `npm run build`
 * first when there is no build. Goal (issue 12): worker ≤ 2 s, API ≤ 1 s.
 *
 *   npm run bench:startup [-- runs]      (default 5 runs)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { startDevServer } from '../scripts/devServer';
import { freePort } from '../test/support/freePort';
import { cpuMs, msUntilAnswers, spawnBuilt } from '../test/support/builtProcess';
import { benchCleanups, uptimeLine } from './benchProcess';

const BUILD_DIR = resolve('dist');
const runs = Number(process.argv[2] ?? 5);
const cleanups = benchCleanups('bench:startup');

/** Wall time and the process's own CPU time at the moment it answered. */
interface Sample {
  wallMs: number;
  cpuMs: number;
}

function summary(label: string, samples: Sample[], goalMs: number): string {
  const values = samples.map((sample) => sample.wallMs);
  const cpu = samples.map((sample) => sample.cpuMs).sort((a, b) => a - b);
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const max = sorted[sorted.length - 1];
  const met = max <= goalMs ? 'met' : median <= goalMs ? 'median met, max not' : 'NOT met';
  return `${label.padEnd(34)} median ${median.toFixed(0).padStart(5)} ms   max ${max.toFixed(0).padStart(5)} ms   goal ${goalMs} ms: ${met}   (CPU used until ready: median ${cpu[Math.floor(cpu.length / 2)].toFixed(0)} ms)`;
}

async function main(): Promise<void> {
  console.log(`bench:startup  ${uptimeLine()}`);
  if (!existsSync(resolve(BUILD_DIR, 'worker/main.js')) || !existsSync(resolve(BUILD_DIR, 'workflow-bundle.js'))) {
    console.log('no build in dist/: running npm run build');
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const devServer = await startDevServer({ port: await freePort() });
  cleanups.push({ what: 'the Temporal dev server', run: () => devServer.stop() });
  const db = new PGlite();
  const pgPort = await freePort();
  const pgServer = new PGLiteSocketServer({ db, port: pgPort, host: '127.0.0.1', maxConnections: 20 });
  await pgServer.start();
  cleanups.push({ what: 'the PostgreSQL-protocol server', run: async () => { await pgServer.stop(); await db.close(); } });
  // The embedded store's first start creates its database (initdb, tens of seconds on a loaded
  // machine); a replica restarts on an existing one, so that is created once, unmeasured.
  const embeddedHome = await mkdtemp(join(tmpdir(), 'vigil-bench-startup-'));
  cleanups.push({ what: 'the embedded store', run: () => rm(embeddedHome, { recursive: true, force: true }) });
  const common = { TEMPORAL_ADDRESS: devServer.address, VIGIL_TASK_QUEUE: `bench-startup-${Date.now()}` };

  {
    const port = await freePort();
    const first = await spawnBuilt(BUILD_DIR, 'api/main.js', { ...common, PORT: String(port), HOST: '127.0.0.1' }, embeddedHome);
    try {
      console.log(`api (embedded store), first start creating its database: ${(await msUntilAnswers(`http://127.0.0.1:${port}/readyz`, first, { timeoutMs: 300_000 })).toFixed(0)} ms (not counted)`);
    } finally {
      await first.stop();
    }
  }
  const worker: Sample[] = [];
  const apiEmbedded: Sample[] = [];
  const apiPostgres: Sample[] = [];
  const sample = async (url: string, process: Awaited<ReturnType<typeof spawnBuilt>>): Promise<Sample> => {
    const wallMs = await msUntilAnswers(url, process, { timeoutMs: 120_000 });
    return { wallMs, cpuMs: cpuMs(process) };
  };
  for (let run = 0; run < runs; run += 1) {
    const workerPort = await freePort();
    const workerProcess = await spawnBuilt(BUILD_DIR, 'worker/main.js', { ...common, VIGIL_WORKER_PORT: String(workerPort), VIGIL_WORKER_SDK_METRICS_PORT: String(await freePort()) });
    try {
      worker.push(await sample(`http://127.0.0.1:${workerPort}/healthz`, workerProcess));
    } finally {
      await workerProcess.stop();
    }
    for (const [times, env, home] of [[apiEmbedded, {}, embeddedHome], [apiPostgres, { DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/postgres` }, undefined]] as const) {
      const port = await freePort();
      const api = await spawnBuilt(BUILD_DIR, 'api/main.js', { ...common, ...env, PORT: String(port), HOST: '127.0.0.1' }, home);
      try {
        times.push(await sample(`http://127.0.0.1:${port}/readyz`, api));
      } finally {
        await api.stop();
      }
    }
  }
  console.log('Wall times grow with the machine\'s load (above); the CPU a process used until ready does much less so.');
  console.log(summary('worker: start → /healthz 200', worker, 2_000));
  console.log(summary('api (embedded, restart): → /readyz', apiEmbedded, 1_000));
  console.log(summary('api (DATABASE_URL): → /readyz 200', apiPostgres, 1_000));
  console.log(`bench:startup  ${uptimeLine()}`);
}

void main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanups.cleanUp());
