/**
 * bench:crash's figures as data for `npm run bench:report`: duplicate and missed pages (goal 0)
 * and the lateness of the next page after each restart against its bound, as the text report
 * (crashReport.ts) counts them.
 */
import type { BenchResult } from './benchResult';
import { firstPageAfterRestart, type CrashRun, type CrashSettings } from './crashReport';
import { percentile } from './stats';

export function crashResult(run: Pick<CrashRun, 'trials' | 'pages'>, settings: Pick<CrashSettings, 'TRIALS' | 'LANES' | 'HOSTS' | 'SEED' | 'LEVELS' | 'LATENESS_BOUND_MS'>): BenchResult {
  const { trials, pages } = run;
  const { LEVELS, LATENESS_BOUND_MS } = settings;
  let duplicates = 0;
  let missed = 0;
  for (const trial of trials) {
    const received = pages.pagesOf(trial.code);
    for (const { email } of LEVELS) {
      const count = received.filter((page) => page.to === email).length;
      duplicates += Math.max(0, count - 1);
      if (count === 0) missed += 1;
    }
  }
  const lateness = trials.flatMap((trial) => firstPageAfterRestart(trial, pages.firstPageAt, LEVELS.length)?.latenessMs ?? []);
  const bound = `≤ ${LATENESS_BOUND_MS / 1000} s (sticky timeout + 2 s)`;
  return {
    bench: 'crash',
    settings: { BENCH_TRIALS: settings.TRIALS, BENCH_LANES: settings.LANES, BENCH_HOSTS: settings.HOSTS, BENCH_SEED: settings.SEED, trialsRun: trials.length },
    figures: [
      { name: 'duplicate pages', value: duplicates, unit: 'count', goal: '0' },
      { name: 'missed steps', value: missed, unit: 'count', goal: '0' },
      { name: 'next page after a restart, late by, p50', value: percentile(lateness, 50), unit: 'ms', goal: bound },
      { name: 'next page after a restart, late by, p99', value: percentile(lateness, 99), unit: 'ms', goal: bound },
    ],
    series: { latenessMs: lateness },
  };
}
