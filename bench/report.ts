/**
 * `npm run bench:report`: runs the short version of every bench, one after another, each in its
 * own process group with a time bound, and writes docs/benchmarks.md and its SVG charts
 * (docs/benchmarks/*.svg) from the figures the benches hand over as data (BENCH_RESULT_FILE,
 * bench/harness/benchResult.ts). Each bench has a time bound; on a loaded 2-core machine (load
 * 20) the whole run took 33 min.
 *
 *   npm run bench:report                       every bench
 *   BENCH_REPORT_ONLY=core,storm npm run bench:report    some of them (the page then shows only those)
 *
 * Each bench's full output goes to a log file under a temporary directory (printed at the start).
 */
import { execFileSync, spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchResult } from './harness/benchResult';
import { chartsFor } from './report/charts';
import { benchmarksMarkdown, type BenchRun } from './report/markdown';

interface BenchSpec {
  bench: string;
  script: string;
  args?: string[];
  /** The short version's knobs (each bench documents its own). */
  env: Record<string, string>;
  /** The bench is stopped (SIGTERM, then SIGKILL) after this long. */
  timeoutMin: number;
}

const BENCHES: BenchSpec[] = [
  { bench: 'core', script: 'bench/core.ts', env: { BENCH_ALERTS: '100' }, timeoutMin: 4 },
  // What of core's gap the workflow code decides: a new incident's first task against the floor's, replayed (decision 92).
  { bench: 'first-task', script: 'bench/firstActivation.ts', env: { FIRST_TASK_REPLAYS: '200' }, timeoutMin: 4 },
  { bench: 'storm', script: 'bench/storm.ts', env: { BENCH_ALERTS: '2000', BENCH_CEILING_CALLS: '1000', BENCH_SETTLE_S: '120', BENCH_DEADLINE_MIN: '5' }, timeoutMin: 6 },
  {
    bench: 'escalation',
    script: 'bench/escalation.ts',
    env: { BENCH_INCIDENTS: '200', BENCH_PLATEAU: '400', BENCH_SAMPLES: '40', BENCH_DEADLINE_MIN: '8' },
    timeoutMin: 9,
  },
  { bench: 'dashboard', script: 'bench/dashboard.ts', env: { BENCH_INCIDENTS: '500', BENCH_REAL: '100', BENCH_LOADS: '2', BENCH_IDLE_S: '10' }, timeoutMin: 7 },
  // The same on production's visibility store: the self-hosted Temporal on PostgreSQL (decision 88).
  { bench: 'dashboard-postgres', script: 'bench/dashboard.ts', env: { BENCH_TEMPORAL: 'postgres', BENCH_INCIDENTS: '500', BENCH_REAL: '100', BENCH_LOADS: '2', BENCH_IDLE_S: '10' }, timeoutMin: 7 },
  { bench: 'kpis', script: 'bench/kpis.ts', env: { BENCH_INCIDENTS: '300', BENCH_SEEDED: '9700', BENCH_CALLS: '20', BENCH_EVENTS: '50', BENCH_DEADLINE_MIN: '6' }, timeoutMin: 7 },
  { bench: 'startup', script: 'bench/startup.ts', args: ['2'], env: {}, timeoutMin: 7 },
  { bench: 'crash', script: 'bench/crashTrials.ts', env: { BENCH_TRIALS: '3', BENCH_LANES: '1', BENCH_DEADLINE_MIN: '5' }, timeoutMin: 6 },
  { bench: 'crash-hosts', script: 'bench/twoHostCrash.ts', env: { BENCH_TRIALS: '2', BENCH_DEADLINE_MIN: '6' }, timeoutMin: 8 },
];
/** After SIGTERM a bench stops what it started (each clean-up bounded to 15 s); then SIGKILL. */
const KILL_GRACE_MS = 45_000;
const TAIL_LINES = 20;
const ROOT = resolve(import.meta.dirname, '..');
const OUT_FILE = join(ROOT, 'docs/benchmarks.md');
const CHART_DIR = join(ROOT, 'docs/benchmarks');

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
}

const commandOf = (spec: BenchSpec) => `${Object.entries(spec.env).map(([name, value]) => `${name}=${value} `).join('')}npx tsx ${spec.script}${spec.args?.length ? ` ${spec.args.join(' ')}` : ''}`;

/** The bench in its own process group, so a time-out stops its servers and workers too. */
async function runBench(spec: BenchSpec, logDir: string): Promise<BenchRun> {
  const resultFile = join(logDir, `${spec.bench}.json`);
  const logFile = join(logDir, `${spec.bench}.log`);
  const log = openSync(logFile, 'w');
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', spec.script, ...(spec.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...spec.env, BENCH_RESULT_FILE: resultFile },
    stdio: ['ignore', log, log],
    detached: true,
  });
  let timedOut = false;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    console.log(`  ${spec.bench}: over its ${spec.timeoutMin} min bound, stopping it`);
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
  }, spec.timeoutMin * 60_000);
  const stopOnInterrupt = () => signalGroup('SIGTERM');
  process.once('SIGINT', stopOnInterrupt);
  const code = await new Promise<number | null>((done) => child.once('exit', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  clearTimeout(killTimer);
  process.removeListener('SIGINT', stopOnInterrupt);
  // Whatever the bench left behind in its group (it should have stopped everything itself).
  signalGroup('SIGKILL');
  closeSync(log);
  const seconds = (Date.now() - started) / 1000;
  const outcome = timedOut ? 'timed out' : code === 0 ? 'ok' : 'failed';
  const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as BenchResult) : undefined;
  // Stack frames crowd out what failed: the tail keeps the messages.
  const messages = readFileSync(logFile, 'utf8')
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trimEnd()
    .split('\n')
    .filter((line) => !/^\s+at /.test(line));
  const tail = messages.slice(-TAIL_LINES).join('\n');
  return { bench: spec.bench, command: commandOf(spec), seconds, outcome, result, tail };
}

const only = process.env.BENCH_REPORT_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
const unknown = (only ?? []).filter((name) => !BENCHES.some((spec) => spec.bench === name));
if (unknown.length) throw new Error(`BENCH_REPORT_ONLY names no bench ${unknown.join(', ')} (benches: ${BENCHES.map((spec) => spec.bench).join(', ')})`);
const selected = BENCHES.filter((spec) => !only || only.includes(spec.bench));

const started = Date.now();
const provenance = { date: new Date(started).toISOString(), commit: git('rev-parse', 'HEAD').trim(), dirtyFiles: git('status', '--porcelain').split('\n').filter(Boolean).map((line) => line.slice(3)) };
const loadBefore = loadavg();
const logDir = await mkdtemp(join(tmpdir(), 'vigil-bench-report-'));
console.log(`bench:report: ${selected.length} benches, logs in ${logDir}`);
const runs: BenchRun[] = [];
for (const spec of selected) {
  console.log(`  ${spec.bench}: ${commandOf(spec)}   (load ${loadavg()[0].toFixed(2)})`);
  const run = await runBench(spec, logDir);
  console.log(`  ${spec.bench}: ${run.outcome} in ${run.seconds.toFixed(0)} s${run.result ? '' : ', no figures written'}`);
  runs.push(run);
}
const loadAfter = loadavg();

const charts = chartsFor(runs.flatMap((run) => (run.result ? [run.result] : [])));
await mkdir(CHART_DIR, { recursive: true });
// Charts of a bench that did not run this time would be stale: the page shows one run only.
for (const file of await readdir(CHART_DIR)) if (file.endsWith('.svg')) await rm(join(CHART_DIR, file));
for (const chart of charts) await writeFile(join(CHART_DIR, chart.file), chart.svg);
const cpu = cpus();
const markdown = benchmarksMarkdown({
  machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: totalmem() / 1024 ** 3, os: `${osType()} ${release()}`, node: process.version, loadBefore, loadAfter },
  provenance,
  runs,
  charts,
  totalSeconds: (Date.now() - started) / 1000,
  chartDir: 'benchmarks',
});
await writeFile(OUT_FILE, markdown);
console.log(`bench:report: wrote ${OUT_FILE} and ${charts.length} charts in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
if (runs.some((run) => run.outcome !== 'ok')) process.exitCode = 1;
