/**
 * `npm run bench:dashboard`: the dashboard's first load with 500 open incidents (BENCH_INCIDENTS,
 * up to 20,000) on the Temporal dev server, in Debian's Chromium driven by playwright-core.
 * `BENCH_TEMPORAL=postgres` runs the same bench against production's visibility store instead: the
 * self-hosted Temporal server on Debian's PostgreSQL (bench/harness/benchTemporalStore.ts). Figures
 * per load, each in a fresh browser context (empty cache), then a reload in the same context (cache
 * warm, answers revalidated): time until the first screen (20 rows) has its detail, until every
 * incident has its row, until every row has its detail (holder, ETA, action, next contact), bytes
 * transferred (Resource Timing transferSize:
 * headers and bodies as sent), and requests made. Then the traffic of an idle minute's polling.
 * Loopback only; bounded in count and time.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { parseConfig } from '../domain/config';
import { INCIDENT_WORKFLOW_TYPE, searchAttributes } from '../domain/visibility';
import { ARTIFACTS_DIR, launchChromium } from '../devkit/browser';
import { startStack, STACK_API_KEY, STACK_AUTH } from '../devkit/stack';
import { percentile, runBounded } from './harness/stats';
import { processTable } from './harness/phaseCpu';
import { benchTemporalKind, startBenchTemporal } from './harness/benchTemporalStore';
import { uptimeLine } from './harness/benchProcess';
import { writeBenchResult } from './harness/benchResult';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 500);
/**
 * How many are opened as real incidents, through POST /v1/alerts and the worker (default: all).
 * The rest (BENCH_INCIDENTS - BENCH_REAL) are copies, to seed 5,000 in minutes rather than an
 * hour: incident workflows started on a task queue no worker polls, each with the memo (summary
 * and row facts) and search attributes of a real one (its code, summary and opening time its own), so visibility
 * lists them, and the dashboard reads them, exactly as it does real ones. They never run: a
 * per-incident read of one would wait for a worker, so the rows path must never need one.
 */
const REAL = Math.min(INCIDENTS, Number(process.env.BENCH_REAL ?? INCIDENTS));
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_S ?? 60) * 1000;
const CONCURRENCY = 16;
/** BENCH_TRACE=1: print the first load's requests in order (start, first byte, end, size, the server's own spans from Server-Timing), to see where the time goes. */
const TRACE = process.env.BENCH_TRACE === '1';
const DEADLINE_MS = 10 * 60_000;
/** Rows a 1400×900 viewport shows: the first screen is usable once these are shown with their detail. */
const FIRST_SCREEN_ROWS = 20;
if (INCIDENTS > 20_000) throw new Error('the dashboard lists up to 20,000 open incidents; BENCH_INCIDENTS must be ≤ 20000');

const SERVICES = ['checkout', 'search', 'payments', 'storage', 'auth'];
const SEVERITIES = ['critical', 'error', 'warning'];
const config = parseConfig(
  {
    services: Object.fromEntries(SERVICES.map((service) => [service, { escalationPolicy: 'p' }])),
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice Ops', email: 'alice@example.test' }, bob: { name: 'Bob SRE', email: 'bob@example.test' } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], channels: ['email'], timeout: '1h' }, { notify: ['bob'], channels: ['email'], timeout: '1h' }] } },
  },
  'bench config',
);

const TEMPORAL = benchTemporalKind();
const temporal = await startBenchTemporal(TEMPORAL);
const stack = await startStack({
  // Not stopped by the stack (it did not start it): stopped at the end, after the stack.
  devServer: temporal,
  config,
  email: { name: 'bench', send: async () => undefined },
  sms: { name: 'bench', send: async () => ({ id: 'SM0' }) },
  runbooks: [],
  spool: true,
}).catch(async (error: unknown) => {
  await temporal.stop();
  throw error;
});

/** Open incidents listed so far, through the dashboard's own pages (a page refused under load counts none: the caller asks again). */
async function openIncidentCount(): Promise<number> {
  let count = 0;
  let after: string | undefined;
  do {
    const response = await fetch(`${stack.apiUrl}/v1/dashboard/rows?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: STACK_AUTH });
    if (!response.ok) return 0;
    const page = (await response.json()) as { incidents: unknown[]; next?: string };
    count += page.incidents.length;
    after = page.next;
  } while (after);
  return count;
}

/** Starts `count` copies of the real open incidents (see BENCH_REAL): round robin over them, each with its own id, code and summary. */
async function startCopies(count: number): Promise<void> {
  const originals: WorkflowExecutionInfo[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`, pageSize: 1000 })) {
    originals.push(execution);
    if (originals.length >= REAL) break;
  }
  await runBounded(count, CONCURRENCY, async (index) => {
    if (Date.now() - started > DEADLINE_MS) throw new Error('bench timed out starting copies');
    const original = originals[index % originals.length];
    const memo = { ...(original.memo ?? {}) };
    delete memo.incidentId; // its own incident: the id is derived from its own run
    await stack.client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      workflowId: `bench-copy-${index}`,
      taskQueue: 'bench-dashboard-parked',
      memo: { ...memo, summary: `bench copy ${index} of ${String(memo.summary ?? '')}` },
      // Opened now, as its run starts (a real incident's openedAt is its first run's start).
      typedSearchAttributes: original.typedSearchAttributes.updateCopy([
        { key: searchAttributes.code, value: `COPY-${index}` },
        { key: searchAttributes.openedAt, value: new Date() },
      ]),
    });
  });
}

interface Load {
  firstScreenMs: number;
  rowsMs: number;
  detailedMs: number;
  bytes: number;
  requests: number;
}

/** CPU time of the whole machine so far (every core, busy only), in ms, from /proc/stat. */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait, in USER_HZ (100) ticks.
  return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] ?? 0)) * 10;
}

/** utime + stime of every process descending from this one (the browser, Temporal and its database), in ms. */
function descendantsCpuMs(): number {
  const table = processTable();
  const descends = (pid: number): boolean => {
    for (let at = table.get(pid)?.ppid; at !== undefined && at > 1; at = table.get(at)?.ppid) if (at === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, { cpuMs }] of table) if (descends(pid)) total += cpuMs;
  return total;
}

/** Where the machine's CPU went during one load (BENCH_TRACE): Temporal, its database, this process (API, worker, the browser's driver), and the rest (the browser, anything else running). */
function cpuSnapshot() {
  const own = process.cpuUsage();
  return { at: performance.now(), machine: machineBusyMs(), server: temporal.cpuMs(), own: (own.user + own.system) / 1000, descendants: descendantsCpuMs() };
}

function cpuLine(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): string {
  const temporalMs = after.server.temporal - before.server.temporal;
  const databaseMs = after.server.database - before.server.database;
  const ownMs = after.own - before.own;
  const machineMs = after.machine - before.machine;
  const browserMs = after.descendants - before.descendants - temporalMs - databaseMs;
  return `CPU over the load's ${(after.at - before.at).toFixed(0)} ms (${cpus().length} cores): Temporal ${temporalMs.toFixed(0)} ms, its database ${databaseMs.toFixed(0)} ms, this process (API, worker, driver) ${ownMs.toFixed(0)} ms, the browser ${browserMs.toFixed(0)} ms, the rest of the machine ${(machineMs - temporalMs - databaseMs - ownMs - browserMs).toFixed(0)} ms`;
}

/** One load of the dashboard in `context`, measured in the page from its navigation start. */
async function load(page: Page): Promise<Load> {
  const cpuBefore = TRACE ? cpuSnapshot() : undefined;
  await page.goto(`${stack.apiUrl}/dashboard`, { waitUntil: 'commit' });
  // The page's own watcher (watchLoad, an init script) noted when each figure was reached; waiting
  // here for the last one adds no round trip to the figures.
  const marks = (await (await page.waitForFunction(() => (window as unknown as { dashboardMarks?: { detailedMs?: number } }).dashboardMarks?.detailedMs !== undefined && (window as unknown as { dashboardMarks: unknown }).dashboardMarks, undefined, { timeout: 120_000 })).jsonValue()) as {
    firstScreenMs: number;
    rowsMs: number;
    detailedMs: number;
  };
  const { firstScreenMs, rowsMs, detailedMs } = marks;
  const traffic = await page.evaluate((until) => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
    const early = entries.filter((entry) => entry.startTime <= until);
    return { bytes: early.reduce((sum, entry) => sum + entry.transferSize, 0), requests: early.length };
  }, detailedMs);
  if (TRACE) {
    console.log(cpuLine(cpuBefore!, cpuSnapshot()));
    await printTrace(page, detailedMs);
  }
  return { firstScreenMs, rowsMs, detailedMs, ...traffic };
}

/**
 * Runs in the page from its first byte (an init script): at every frame, checks whether the first
 * screen's rows have their detail, whether every incident has its row, and whether every row has
 * its detail, and notes the time (performance.now(), from navigation start) each first held.
 */
function watchLoad(firstScreen: number, total: number): string {
  // A string, not a function: tsx's name helpers would not exist in the page.
  return `(() => {
    const marks = {};
    window.dashboardMarks = marks;
    const detailed = (cells) => cells.every((cell) => cell.textContent !== '…');
    const cellsOf = (rows) => rows.map((row) => row.querySelector('td[data-label="To escalate"]'));
    const check = () => {
      // Cheap while rows are still coming: the whole table is read only once every row is there.
      const body = document.getElementById('incident-rows');
      const count = body ? body.childElementCount : 0;
      if (marks.firstScreenMs === undefined && count >= ${firstScreen} && detailed(cellsOf(Array.from(body.children).slice(0, ${firstScreen})))) marks.firstScreenMs = performance.now();
      if (marks.rowsMs === undefined && count >= ${total}) marks.rowsMs = performance.now();
      if (marks.rowsMs !== undefined && marks.detailedMs === undefined && detailed(cellsOf(Array.from(body.children)))) marks.detailedMs = performance.now();
      if (marks.detailedMs === undefined) requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  })();`;
}

/** The load's requests and the page's own measures (performance.measure), in the order they started. */
async function printTrace(page: Page, until: number): Promise<void> {
  const lines = await page.evaluate((end) => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
    const requests = entries
      .filter((entry) => entry.startTime <= end)
      .map((entry) => ({
        at: entry.startTime,
        text: `${entry.startTime.toFixed(0).padStart(6)} → first byte ${entry.responseStart.toFixed(0).padStart(6)} → end ${entry.responseEnd.toFixed(0).padStart(6)}  ${(entry.transferSize / 1024).toFixed(1).padStart(6)} KiB  ${new URL(entry.name).pathname}${new URL(entry.name).search.slice(0, 24)}  ${entry.serverTiming.map((span) => `${span.name} ${span.duration.toFixed(0)}`).join(' ')}`,
      }));
    const measures = (performance.getEntriesByType('measure') as PerformanceMeasure[])
      .filter((entry) => entry.startTime <= end)
      .map((entry) => ({ at: entry.startTime, text: `${entry.startTime.toFixed(0).padStart(6)} → ${(entry.startTime + entry.duration).toFixed(0).padStart(6)}  page: ${entry.name}` }));
    return [...requests, ...measures].sort((a, b) => a.at - b.at).map((line) => line.text);
  }, until);
  console.log(`trace (ms from navigation start; done at ${until.toFixed(0)}):\n  ${lines.join('\n  ')}`);
}

function report(name: string, loads: Load[]): void {
  const ms = (values: number[]) => `p50 ${percentile(values, 50).toFixed(0).padStart(5)} ms  max ${Math.max(...values).toFixed(0).padStart(5)} ms`;
  console.log(`${name}`);
  console.log(`  first screen detailed  ${ms(loads.map((entry) => entry.firstScreenMs))}  (first ${Math.min(FIRST_SCREEN_ROWS, INCIDENTS)} rows)`);
  console.log(`  every row shown        ${ms(loads.map((entry) => entry.rowsMs))}`);
  console.log(`  every row detailed     ${ms(loads.map((entry) => entry.detailedMs))}`);
  console.log(`  transferred            ${(percentile(loads.map((entry) => entry.bytes), 50) / 1024).toFixed(1)} KiB in ${percentile(loads.map((entry) => entry.requests), 50)} requests (p50)`);
}

const started = Date.now();
const browser = await launchChromium();
try {
  await runBounded(REAL, CONCURRENCY, async (index) => {
    // A loaded machine may drop a connection or answer 503: the alert is sent again (its dedup key joins the same incident).
    for (let attempt = 1; ; attempt++) {
      if (Date.now() - started > DEADLINE_MS) throw new Error('bench timed out opening incidents');
      const response = await fetch(`${stack.apiUrl}/v1/alerts`, {
        method: 'POST',
        headers: { ...STACK_AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({
          service: SERVICES[index % SERVICES.length],
          severity: SEVERITIES[index % SEVERITIES.length],
          summary: `bench incident ${index}: error rate above threshold on instance-${index % 37}`,
          dedupKey: `bench-${index}`,
          labels: { instance: `instance-${index % 37}`, region: 'loopback-1' },
        }),
      }).catch((error: unknown) => error as Error);
      if (!(response instanceof Error) && response.status === 202) break;
      if (attempt >= 5) throw new Error(`alert ${index}: ${response instanceof Error ? response.message : `HTTP ${response.status}`}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  });
  for (;;) {
    const open = await openIncidentCount();
    if (open >= REAL) break;
    if (Date.now() - started > DEADLINE_MS) throw new Error(`only ${open} of ${REAL} incidents listed`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (INCIDENTS > REAL) await startCopies(INCIDENTS - REAL);
  for (;;) {
    const open = await openIncidentCount();
    if (open >= INCIDENTS) break;
    if (Date.now() - started > DEADLINE_MS) throw new Error(`only ${open} of ${INCIDENTS} incidents listed`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(
    `bench:dashboard: ${INCIDENTS} open incidents on ${temporal.label} (${REAL} real${INCIDENTS > REAL ? `, ${INCIDENTS - REAL} copies of their memos on a parked task queue` : ''}; opened in ${((Date.now() - started) / 1000).toFixed(1)} s), Chromium ${browser.version()}\n${uptimeLine()}`,
  );

  const cold: Load[] = [];
  const warm: Load[] = [];
  for (let round = 0; round < LOADS; round++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Reads need an API key: the one a user would have typed, in the tab's sessionStorage (api/dashboard/api.js).
    await context.addInitScript((key) => sessionStorage.setItem('vigil.apiKey', key), STACK_API_KEY);
    await context.addInitScript(watchLoad(Math.min(FIRST_SCREEN_ROWS, INCIDENTS), INCIDENTS));
    const page = await context.newPage();
    cold.push(await load(page));
    warm.push(await load(page));
    if (round === LOADS - 1) {
      await mkdir(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-bench.png') });
      // Idle polling: what an open dashboard costs per minute when nothing changes.
      const before = await page.evaluate(() => performance.now());
      await page.waitForTimeout(IDLE_MS);
      const idle = await page.evaluate((since) => {
        const entries = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((entry) => entry.startTime > since);
        return { bytes: entries.reduce((sum, entry) => sum + entry.transferSize, 0), requests: entries.length };
      }, before);
      console.log(uptimeLine());
      report(`first load, empty cache (${LOADS} loads)`, cold);
      report(`reload, warm cache (${LOADS} loads)`, warm);
      console.log(`idle polling              ${((idle.bytes / 1024) * (60_000 / IDLE_MS)).toFixed(1)} KiB and ${Math.round(idle.requests * (60_000 / IDLE_MS))} requests per minute`);
      const p50 = (values: number[]) => percentile(values, 50);
      writeBenchResult({
        // The PostgreSQL run is a bench of its own in the report, beside the dev server's.
        bench: TEMPORAL === 'postgres' ? 'dashboard-postgres' : 'dashboard',
        settings: { BENCH_INCIDENTS: INCIDENTS, BENCH_LOADS: LOADS, BENCH_IDLE_S: IDLE_MS / 1000, BENCH_TEMPORAL: TEMPORAL },
        figures: [
          { name: 'first load: every row shown, p50', value: p50(cold.map((entry) => entry.rowsMs)), unit: 'ms' },
          { name: 'first load: every row detailed, p50', value: p50(cold.map((entry) => entry.detailedMs)), unit: 'ms', goal: '≤ 500 ms' },
          { name: 'first load: transferred, p50', value: p50(cold.map((entry) => entry.bytes)) / 1024, unit: 'KiB', goal: '≤ 150 KiB' },
          { name: 'reload: every row detailed, p50', value: p50(warm.map((entry) => entry.detailedMs)), unit: 'ms' },
          { name: 'idle polling per minute', value: (idle.bytes / 1024) * (60_000 / IDLE_MS), unit: 'KiB' },
        ],
        series: { firstLoadDetailedMs: cold.map((entry) => entry.detailedMs) },
      });
    }
    await context.close();
  }
} finally {
  await browser.close();
  await stack.stop();
  await temporal.stop();
}
