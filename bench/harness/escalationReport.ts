/**
 * bench:escalation's report: worker memory per open incident (Vigil beside the floor, and the
 * plateau with a bounded cache) and page lateness (Vigil beside the floor), against the goals.
 */
import type { MemoryPoint } from './memoryWorker';
import { RSS_SAMPLES, RSS_STABLE_MB, SETTLE_MAX_MS, SETTLE_MS } from './memoryWorker';
import { percentile } from './stats';

export interface MemoryRun {
  label: string;
  maxCachedWorkflows: number;
  points: MemoryPoint[];
  openSeconds: number;
  retries: number;
  from: number;
  to: number;
}

export interface LatenessRun {
  /** Level-2 page received at the SMTP sink − nextLevelAt (the figure the goal is stated on). */
  vigil: number[];
  /** Level-2 page handed to the email transport by the activity − nextLevelAt. */
  vigilHanded: number[];
  /** Sink receipt − handed to the transport: the SMTP leg of each level-2 page. */
  smtpLeg: number[];
  /** Bare workflow: timer due → its one activity runs. */
  floor: number[];
  /** Bare workflow whose one activity sends one email through the same transport: timer due → sink receipt. */
  floorSmtp: number[];
  fallbacks: number;
  retries: number;
  from: number;
  to: number;
}

export interface EscalationRun {
  command: string;
  started: number;
  uptimeBefore: string;
  perIncident?: MemoryRun;
  floorMemory?: MemoryRun;
  plateau?: MemoryRun;
  lateness?: LatenessRun;
  /** `load 0.52–3.10` over [from, to]. */
  loadBetween(from: number, to: number): string;
}

export function escalationReport(run: EscalationRun, settings: { WARMUP: number; LEVEL_TIMEOUT_S: number; SAMPLES: number; WAVE: number; STAGGER_MS: number }): string[] {
  const { command, started, uptimeBefore, perIncident, floorMemory, plateau, lateness, loadBetween } = run;
  const { WARMUP, LEVEL_TIMEOUT_S, SAMPLES, WAVE, STAGGER_MS } = settings;
  const report: string[] = [];
  const mb = (value: number) => `${value.toFixed(1).padStart(7)} MB`;
  report.push(`$ ${command}`);
  report.push(`bench:escalation on the Temporal dev server (loopback), ${((Date.now() - started) / 1000).toFixed(0)} s`);
  report.push(`uptime before: ${uptimeBefore}`);

  /**
   * Growth is judged on the larger of the as-found and after-GC figures: a worker fresh from
   * bundling its workflows carries tens of MB of garbage at the "before" reading that is collected
   * later, which makes the as-found growth look smaller than what is kept.
   */
  function growthLines(run: MemoryRun, what: string, cacheOrigin: string): { perIncidentMb: number; afterMb: number } {
    const [before, after] = [run.points[0], run.points[run.points.length - 1]];
    const perIncidentMb = (after.rssMb - before.rssMb) / (after.open - before.open);
    report.push(`  ${what}, maxCachedWorkflows ${run.maxCachedWorkflows} (${cacheOrigin}); ${loadBetween(run.from, run.to)}`);
    const gcPerIncidentMb = (after.rssAfterGcMb - before.rssAfterGcMb) / (after.open - before.open);
    report.push(`    RSS before  ${String(before.open).padStart(6)} open ${mb(before.rssMb)}   after GC ${mb(before.rssAfterGcMb)}   (${before.cached} cached)`);
    report.push(
      `    RSS after   ${String(after.open).padStart(6)} open ${mb(after.rssMb)}   after GC ${mb(after.rssAfterGcMb)}   (${after.cached} cached; opened ${after.open - before.open} in ${run.openSeconds.toFixed(1)} s)`,
    );
    report.push(`    growth per open incident   ${perIncidentMb.toFixed(3)} MB (${(perIncidentMb * 1024).toFixed(0)} KB)   after GC ${gcPerIncidentMb.toFixed(3)} MB (${(gcPerIncidentMb * 1024).toFixed(0)} KB)`);
    return { perIncidentMb: Math.max(perIncidentMb, gcPerIncidentMb), afterMb: Math.max(after.rssMb, after.rssAfterGcMb) };
  }

  if (perIncident) {
    report.push('');
    report.push(`1. Worker memory per open incident (worker in its own process, RSS from /proc/<pid>/status, median of the first ${RSS_SAMPLES} readings a second apart within ${RSS_STABLE_MB} MB, at most ${(SETTLE_MS + SETTLE_MAX_MS) / 1000} s after the last page)`);
    const vigil = growthLines(perIncident, 'Vigil worker (worker/main.ts), incidents paged once, each waiting on a 1 h timer', "worker/main.ts's default");
    let floorPerIncident: number | undefined;
    if (floorMemory) floorPerIncident = growthLines(floorMemory, 'floor: bare worker, workflows that ran one activity, each waiting on a 1 h timer', "the SDK's default").perIncidentMb;
    const goalsMet = vigil.perIncidentMb <= 0.4 && vigil.afterMb < 400;
    report.push(
      `  judged (larger of as found / after GC): Vigil ${vigil.perIncidentMb.toFixed(3)} MB per open incident (goal ≤ 0.4), ${vigil.afterMb.toFixed(0)} MB in all (goal < 400): ${goalsMet ? 'met' : 'NOT met'}`,
    );
    if (floorPerIncident !== undefined) report.push(`  floor ${floorPerIncident.toFixed(3)} MB per open workflow; Vigil − floor ${(vigil.perIncidentMb - floorPerIncident).toFixed(3)} MB`);
  }
  if (plateau) {
    report.push('');
    report.push(`  Plateau: Vigil worker with maxCachedWorkflows ${plateau.maxCachedWorkflows}, up to ${plateau.points[plateau.points.length - 1].open} open incidents; ${loadBetween(plateau.from, plateau.to)}`);
    report.push(`    ${'open'.padStart(6)}  ${'RSS'.padStart(10)}  ${'spread'.padStart(8)}  ${'after GC'.padStart(10)}  cached  load`);
    for (const point of plateau.points) {
      report.push(
        `    ${String(point.open).padStart(6)}  ${mb(point.rssMb)}  ${point.spreadMb.toFixed(1).padStart(5)} MB  ${mb(point.rssAfterGcMb)}  ${String(point.cached).padStart(6)}  ${point.load.toFixed(2)}`,
      );
    }
    const last = plateau.points[plateau.points.length - 1];
    const half = plateau.points.reduce((best, point) => (Math.abs(point.open - last.open / 2) < Math.abs(best.open - last.open / 2) ? point : best));
    const change = last.rssMb - half.rssMb;
    const gcChange = last.rssAfterGcMb - half.rssAfterGcMb;
    const flat = (delta: number, base: number) => Math.abs(delta) <= Math.max(25, base * 0.05);
    report.push(
      `    ${half.open} → ${last.open} open: ${change >= 0 ? '+' : ''}${change.toFixed(1)} MB (${((change / half.rssMb) * 100).toFixed(1)}%), after GC ${gcChange >= 0 ? '+' : ''}${gcChange.toFixed(1)} MB; opened ${last.open - WARMUP} in ${plateau.openSeconds.toFixed(1)} s${plateau.retries ? `, ${plateau.retries} retried calls` : ''}: ${flat(change, half.rssMb) && flat(gcChange, half.rssAfterGcMb) ? 'plateau (both within 5% or 25 MB)' : 'NO plateau (goal: within 5% or 25 MB)'}`,
    );
  }
  if (lateness) {
    const { vigil, vigilHanded, smtpLeg, floor, floorSmtp } = lateness;
    report.push('');
    report.push(
      `2. Page lateness: level 1 waits ${LEVEL_TIMEOUT_S} s; ${SAMPLES} samples each, in waves of ${WAVE} Vigil + ${WAVE} floor + ${WAVE} floor-with-SMTP side by side, starts ${STAGGER_MS} ms apart (workers in the bench process); ${loadBetween(lateness.from, lateness.to)}`,
    );
    const line = (name: string, values: number[]) =>
      `  ${name.padEnd(62)} p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(6)} ms   max ${Math.max(...values).toFixed(1).padStart(6)} ms   (n=${values.length})`;
    report.push(line(`floor: sleep ${LEVEL_TIMEOUT_S} s, then 1 activity records the time`, floor));
    report.push(line('Vigil: level-2 page handed to the email transport − nextLevelAt', vigilHanded));
    report.push(line(`floor + SMTP: sleep ${LEVEL_TIMEOUT_S} s, 1 activity sends 1 email; at the sink`, floorSmtp));
    report.push(line('Vigil: level-2 page received at the SMTP sink − nextLevelAt', vigil));
    report.push(line('  of which the SMTP leg (sink receipt − handed to transport)', smtpLeg));
    const p99 = (values: number[]) => percentile(values, 99);
    const difference = p99(vigil) - p99(floor);
    report.push(`  p99 Vigil at the sink − floor                  ${difference.toFixed(1).padStart(6)} ms (goal ≤ 100 ms, as stated): ${difference <= 100 ? 'met' : 'NOT met'}`);
    report.push(`  like for like: p99 Vigil handed − floor         ${(p99(vigilHanded) - p99(floor)).toFixed(1).padStart(6)} ms;   p99 Vigil at the sink − floor + SMTP ${(p99(vigil) - p99(floorSmtp)).toFixed(1)} ms`);
    if (lateness.fallbacks || lateness.retries) {
      report.push(`  ${lateness.fallbacks} plans read from the timeline (level 2 fired before the query); ${lateness.retries} retried calls`);
    }
  }
  return report;
}
