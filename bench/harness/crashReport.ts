/**
 * bench:crash's report: what the trials, the sink and the delivery log say, against the goals
 * (no duplicate, no missed step, the next page after a restart within the sticky timeout + 2 s).
 */
import { seconds } from './benchClock';
import type { HistoryFacts } from './incidentHistory';
import type { PageSink } from './pageSink';
import { percentile } from './stats';

export interface Trial {
  index: number;
  lane: number;
  /** Which of the lane's workers was killed, and whether right after the SMTP server accepted a page. */
  victim: number;
  killMode: 'timed' | 'after-accept';
  code: string;
  killOffsetMs: number;
  downMs: number;
  openedAt: number;
  killedAt: number;
  restartedAt: number;
  readyAt: number;
  /** Levels paged before the kill. */
  pagedBeforeKill: number;
  /** All three levels paged within BENCH_TRIAL_WAIT_S of the new worker being ready. */
  complete: boolean;
  /** Planned time of each level (NaN when unknown). */
  planned: number[];
  history: HistoryFacts;
  /** Why the incident's history could not be read (its planned times are then unknown). */
  readErrors: string[];
}

export interface RestartPage {
  level: number;
  planned: number;
  receivedAt: number;
  /** Receipt − max(planned, worker ready). */
  latenessMs: number;
}

/**
 * The pages the restarted worker sent: every level first received after it was ready (a page
 * received between the kill and then can only have left the killed worker), in the order received.
 */
export function pagesAfterRestart(trial: Trial, firstPageAt: (code: string, index: number) => number | undefined, levels: number): RestartPage[] {
  const pages: RestartPage[] = [];
  for (let index = 0; index < levels; index++) {
    const receivedAt = firstPageAt(trial.code, index);
    if (receivedAt === undefined || receivedAt <= trial.readyAt) continue;
    const planned = trial.planned[index];
    // Planned time unknown (incident unreadable, reported): measured from the worker being ready, an upper bound.
    pages.push({ level: index + 1, planned, receivedAt, latenessMs: receivedAt - Math.max(Number.isFinite(planned) ? planned : -Infinity, trial.readyAt) });
  }
  return pages.sort((a, b) => a.receivedAt - b.receivedAt);
}

/** The next page after the restart: the first one the restarted worker sent. */
export function firstPageAfterRestart(trial: Trial, firstPageAt: (code: string, index: number) => number | undefined, levels: number): RestartPage | undefined {
  return pagesAfterRestart(trial, firstPageAt, levels)[0];
}

/** What the report is drawn from. */
export interface CrashRun {
  command: string;
  started: number;
  uptimeBefore: string;
  trials: Trial[];
  firstStartupMs: number[];
  deliveryStates: Array<{ state: string; n: number; retaken: number }>;
  pages: PageSink;
}

/** The bench's settings, as the report states them. */
export interface CrashSettings {
  TRIALS: number;
  LANES: number;
  HOSTS: number;
  SEED: number;
  LEVELS: ReadonlyArray<{ level: number; email: string }>;
  LEVEL_TIMEOUT_S: number;
  KILL_WINDOW_MS: number;
  DOWN_MAX_MS: number;
  TRIAL_WAIT_MS: number;
  ACCEPT_KILL_SHARE: number;
  DUPLICATE_GRACE_MS: number;
  STICKY_TIMEOUT_MS: number;
  LATENESS_BOUND_MS: number;
}

export function crashReport(run: CrashRun, settings: CrashSettings): string[] {
  const { command, started, uptimeBefore, trials, firstStartupMs, deliveryStates } = run;
  const { pagesOf, firstPageAt } = run.pages;
  const { TRIALS, LANES, HOSTS, SEED, LEVELS, LEVEL_TIMEOUT_S, KILL_WINDOW_MS, DOWN_MAX_MS, TRIAL_WAIT_MS, ACCEPT_KILL_SHARE, DUPLICATE_GRACE_MS, STICKY_TIMEOUT_MS, LATENESS_BOUND_MS } = settings;
  const report: string[] = [];
  const stat = (values: number[]) =>
    values.length ? `p50 ${seconds(percentile(values, 50)).padStart(8)}   p99 ${seconds(percentile(values, 99)).padStart(8)}   max ${seconds(Math.max(...values)).padStart(8)}   (n=${values.length})` : '(n=0)';
  const trialList = (items: string[]) => (items.length ? items.join(', ') : 'none');

  report.push(`$ ${command}`);
  report.push(
    `bench:crash on the Temporal dev server (loopback, SQLite file), worker/main.ts in child processes (${HOSTS} per lane, each its own VIGIL_HOME, one shared DATABASE_URL: PGlite over pglite-socket), real SMTP sink; ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  report.push(`uptime before: ${uptimeBefore}`);
  report.push(
    `policy: alice → ${LEVEL_TIMEOUT_S} s → bob → ${LEVEL_TIMEOUT_S} s → carol (then 1 h), email only; kill -9 uniformly 0–${KILL_WINDOW_MS / 1000} s after opening, down 0–${DOWN_MAX_MS / 1000} s, then a new worker; seed ${SEED}`,
  );
  trials.sort((a, b) => a.index - b.index);
  report.push(
    `trials run: ${trials.length} of ${TRIALS}, on ${LANES} lane(s) side by side (each lane its own task queue and worker process, trials one after another; a kill hits only its lane's worker)${firstStartupMs.length ? `; first worker(s) started in ${firstStartupMs.map(seconds).join(', ')}` : ''}`,
  );

  if (trials.length > 0) {
    const landed = [0, 1, 2, 3].map((count) => trials.filter((trial) => trial.pagedBeforeKill === count).length);
    const acceptKillCount = trials.filter((trial) => trial.killMode === 'after-accept').length;
    report.push(
      `kills: ${acceptKillCount} right after the SMTP server accepted a page (before the sender could confirm it), ${trials.length - acceptKillCount} at a random time (drawn share ${ACCEPT_KILL_SHARE}; an armed kill whose page came first falls back to a timed one)`,
    );
    report.push(`  victims by host: ${Array.from({ length: HOSTS }, (_, host) => `${String.fromCharCode(65 + host)} ${trials.filter((trial) => trial.victim === host).length}`).join(', ')}`);
    report.push(`kills landed: before the level-1 page ${landed[0]}, after level 1 ${landed[1]}, after level 2 ${landed[2]}, after level 3 (nothing left to page) ${landed[3]}`);

    const duplicates: string[] = [];
    const missed: string[] = [];
    const strays: string[] = [];
    let duplicateCount = 0;
    let duplicateMessages = 0;
    let missedCount = 0;
    for (const trial of trials) {
      const pages = pagesOf(trial.code);
      for (const [index, { email }] of LEVELS.entries()) {
        const count = pages.filter((page) => page.to === email).length;
        const distinct = new Set(pages.filter((page) => page.to === email).map((page) => page.messageId)).size;
        if (count > 1) {
          duplicateCount += count - 1;
          duplicateMessages += Math.max(0, distinct - 1);
          duplicates.push(`#${trial.index} ${trial.code} L${index + 1} ×${count} (${distinct} Message-ID${distinct === 1 ? '' : 's'}, ${trial.killMode})`);
        }
        if (count === 0) {
          missedCount += 1;
          missed.push(`#${trial.index} ${trial.code} L${index + 1}`);
        }
      }
      const others = pages.filter((page) => !LEVELS.some((level) => level.email === page.to));
      if (others.length) strays.push(`#${trial.index} ${trial.code}: ${others.map((page) => page.to).join(', ')}`);
    }
    report.push(`duplicate pages: ${duplicateCount} deliveries at the SMTP server beyond one per level (goal 0), ${duplicateMessages} of them with a Message-ID not seen before (goal 0; a re-send with the same Message-ID is the rest); trials: ${trialList(duplicates)}   [counted ${DUPLICATE_GRACE_MS / 1000} s or more after each kill]`);
    report.push(`delivery log at the end: ${deliveryStates.map((row) => `${row.state} ${row.n} (taken over by a later attempt: ${row.retaken})`).join(', ') || 'empty'}`);
    report.push(`missed steps: ${missedCount} (goal 0); trials: ${trialList(missed)}`);
    if (strays.length) report.push(`pages to someone outside the policy: ${strays.join('; ')}`);
    const unreadable = trials.filter((trial) => trial.readErrors.length > 0);
    if (unreadable.length) report.push(`incidents that could not be read (planned times unknown): ${unreadable.map((trial) => `#${trial.index} (${trial.readErrors.join('; ')})`).join(', ')}`);
    const incomplete = trials.filter((trial) => !trial.complete).map((trial) => `#${trial.index}`);
    if (incomplete.length) report.push(`trials where not every level had paged ${TRIAL_WAIT_MS / 1000} s after the restart: ${incomplete.join(', ')}`);

    const firsts = trials.map((trial) => ({ trial, first: firstPageAfterRestart(trial, firstPageAt, LEVELS.length) })).filter((item): item is { trial: Trial; first: RestartPage } => item.first !== undefined);
    const lateness = firsts.map((item) => item.first.latenessMs);
    report.push('');
    report.push(`lateness of the next page after each restart (the first page the new worker sent) = sink receipt − max(planned, worker ready);`);
    report.push(`  "worker ready" = when the new worker's SDK log line "Worker state changed … RUNNING" reached the bench (measured, not estimated);`);
    report.push(`  planned = the workflow's start (L1), or when the previous level escalated (workflow clock: start of the task that scheduled its page) + ${LEVEL_TIMEOUT_S} s`);
    report.push(`  ${stat(lateness)}`);
    const byLevel = [1, 2, 3].map((level) => firsts.filter((item) => item.first.level === level).map((item) => item.first.latenessMs));
    for (const [index, values] of byLevel.entries()) if (values.length) report.push(`    next page at level ${index + 1}: ${stat(values)}`);
    const over = firsts.filter((item) => item.first.latenessMs > LATENESS_BOUND_MS);
    report.push(
      `  goal ≤ sticky / workflow task timeout ${STICKY_TIMEOUT_MS / 1000} s + 2 s = ${LATENESS_BOUND_MS / 1000} s: ${over.length === 0 ? 'met' : `NOT met in ${over.length} of ${firsts.length} trials (${over.map((item) => `#${item.trial.index}`).join(', ')})`}`,
    );
    report.push(`  (${trials.length - firsts.length} trials had no page left to send after the restart)`);
    const every = trials.flatMap((trial) => pagesAfterRestart(trial, firstPageAt, LEVELS.length).map((page) => ({ trial, page })));
    const everyOver = every.filter((item) => item.page.latenessMs > LATENESS_BOUND_MS);
    report.push(`every page the restarted workers sent, same measure: ${stat(every.map((item) => item.page.latenessMs))}`);
    report.push(`  over ${LATENESS_BOUND_MS / 1000} s: ${everyOver.length}${everyOver.length ? ` (${everyOver.map((item) => `#${item.trial.index} L${item.page.level}`).join(', ')})` : ''}`);
    const outOfOrder = trials.filter((trial) => {
      const times = LEVELS.map((_, index) => firstPageAt(trial.code, index) ?? Infinity);
      return times.some((time, index) => index > 0 && time < times[index - 1]);
    });
    report.push(`  trials whose levels were paged out of order (a later level before an earlier one): ${outOfOrder.length}${outOfOrder.length ? ` (${outOfOrder.map((trial) => `#${trial.index}`).join(', ')})` : ''}`);

    const startups = trials.map((trial) => trial.readyAt - trial.restartedAt);
    const outages = trials.map((trial) => trial.readyAt - trial.killedAt);
    report.push('');
    report.push(`worker restart time (spawn → RUNNING):    ${stat(startups)}`);
    report.push(`worker outage (kill → new worker RUNNING): ${stat(outages)}`);

    const sticky = trials.filter((trial) => trial.history.stickyTimeouts > 0);
    const taskTimeouts = trials.filter((trial) => trial.history.taskTimeouts > 0);
    const retried = trials.filter((trial) => trial.history.retriedActivities.length > 0);
    const alreadySent = trials.filter((trial) => trial.history.outcomes.some((outcome) => outcome.endsWith('already sent')));
    const failedPages = trials.filter((trial) => trial.history.outcomes.some((outcome) => !outcome.includes(': sent') && !outcome.endsWith('already sent')));
    report.push('');
    report.push(`history: sticky workflow tasks timed out (schedule-to-start) in ${sticky.length} trials; workflow tasks timed out (start-to-close, killed mid-task) in ${taskTimeouts.length} trials`);
    report.push(`  activities retried (killed in flight): ${retried.length} trials${retried.length ? `: ${retried.map((trial) => `#${trial.index} ${trial.history.retriedActivities.join(' + ')}`).join('; ')}` : ''}`);
    report.push(`  pages the delivery log recognised as already sent: ${alreadySent.length} trials${alreadySent.length ? ` (${alreadySent.map((trial) => `#${trial.index}`).join(', ')})` : ''}`);
    if (failedPages.length) report.push(`  pages recorded as not sent: ${failedPages.map((trial) => `#${trial.index}: ${trial.history.outcomes.join('; ')}`).join(' | ')}`);

    const lateTrials = [...new Set(everyOver.map((item) => item.trial))];
    if (lateTrials.length) {
      report.push('');
      report.push(`trials with a page over ${LATENESS_BOUND_MS / 1000} s (times from the incident's opening; "next" marks the next page after the restart):`);
      for (const trial of lateTrials) {
        const at = (time: number) => seconds(time - trial.openedAt);
        const why = [
          trial.history.stickyTimeouts ? `${trial.history.stickyTimeouts} sticky task timeout(s)` : '',
          trial.history.taskTimeouts ? `${trial.history.taskTimeouts} workflow task start-to-close timeout(s)` : '',
          ...trial.history.retriedActivities,
        ].filter(Boolean);
        const pages = pagesAfterRestart(trial, firstPageAt, LEVELS.length)
          .map((page, order) => `L${page.level}${order === 0 ? ' (next)' : ''} planned ${at(page.planned)}, received ${at(page.receivedAt)}, late ${seconds(page.latenessMs)}`)
          .join('; ');
        report.push(
          `  #${trial.index} ${trial.code} (lane ${trial.lane}): killed at ${at(trial.killedAt)} (${trial.pagedBeforeKill} paged), restarted at ${at(trial.restartedAt)}, ready at ${at(trial.readyAt)}; ${pages}`,
        );
        report.push(`      history: ${why.join('; ') || 'nothing unusual'}`);
      }
    }
  }
  return report;
}
