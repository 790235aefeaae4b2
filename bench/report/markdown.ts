/**
 * docs/benchmarks.md from one `npm run bench:report` run: when, on what commit and machine, then
 * per bench its command, outcome and figures, each beside the floor measured in the same run and
 * its ratio to it, and the charts. Pure: the run in, markdown out.
 */
import type { BenchFigure, BenchResult } from '../harness/benchResult';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages. */
  loadBefore: number[];
  loadAfter: number[];
}

export interface Provenance {
  /** ISO 8601, when the run began. */
  date: string;
  commit: string;
  /** Files changed against the commit when the run began (`git status --porcelain`); empty: clean. */
  dirtyFiles: string[];
}

export interface BenchRun {
  bench: string;
  /** How to run it alone, with the same knobs. */
  command: string;
  seconds: number;
  outcome: 'ok' | 'failed' | 'timed out';
  /** Present when the bench wrote its figures. */
  result?: BenchResult;
  /** The last lines of its output, when it failed. */
  tail?: string;
}

export interface ReportInput {
  machine: Machine;
  provenance: Provenance;
  runs: BenchRun[];
  charts: Array<{ bench: string; file: string; title: string }>;
  totalSeconds: number;
  /** Where the charts are, relative to the markdown file. */
  chartDir: string;
}

/** A figure's value as people read it: 3 significant digits, no exponent. */
export function formatNumber(value: number | null): string {
  // JSON writes NaN (a percentile of no samples) as null.
  if (value === null || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-GB');
  return value.toPrecision(3);
}

/** value / floor; a rate against its ceiling reads as a share (73%), a time against its floor as a factor (1.62×). */
export function ratio(figure: BenchFigure): string {
  if (!figure.floor || !(figure.floor.value > 0) || !Number.isFinite(figure.value)) return '';
  const r = figure.value / figure.floor.value;
  return figure.unit.endsWith('/s') ? `${(r * 100).toFixed(0)}%` : `${r.toFixed(2)}×`;
}

/** A count reads as a bare number; any other unit follows the number. */
const withUnit = (value: number | null, unit: string) => (unit === 'count' || value === null || !Number.isFinite(value) ? formatNumber(value) : `${formatNumber(value)} ${unit}`);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const loads = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');

export function benchmarksMarkdown(input: ReportInput): string {
  const { machine, provenance, runs, charts } = input;
  const lines: string[] = [];
  lines.push('# Benchmarks');
  lines.push('');
  lines.push('Written by `npm run bench:report` (bench/report.ts), which runs the short version of every bench and');
  lines.push('writes this page and the charts under `docs/benchmarks/`. Absolute timings depend on the machine and');
  lines.push('its load, so each figure stands beside its floor: the same measure of the bare path (Temporal alone,');
  lines.push('a bare worker), taken in the same run on the same server. Read the ratios; compare absolute figures');
  lines.push('only between runs on the same quiet machine. Short runs have few samples: a p99 of 100 samples is');
  lines.push('nearly the maximum.');
  lines.push('');
  lines.push('| run | |');
  lines.push('|---|---|');
  lines.push(`| date | ${provenance.date} |`);
  lines.push(`| commit | \`${provenance.commit}\`${provenance.dirtyFiles.length ? ` with ${provenance.dirtyFiles.length} uncommitted change(s): ${cell(provenance.dirtyFiles.join(', '))}` : ' (clean tree)'} |`);
  lines.push(`| CPU | ${cell(machine.cpu)}, ${machine.cores} cores |`);
  lines.push(`| memory | ${machine.memoryGiB.toFixed(1)} GiB |`);
  lines.push(`| OS, Node | ${cell(machine.os)}, Node ${machine.node} |`);
  lines.push(`| load average (1 / 5 / 15 min) | before ${loads(machine.loadBefore)}, after ${loads(machine.loadAfter)} |`);
  lines.push(`| whole run | ${(input.totalSeconds / 60).toFixed(1)} min |`);
  lines.push('');
  lines.push('| bench | outcome | time |');
  lines.push('|---|---|---|');
  for (const run of runs) lines.push(`| [${run.bench}](#${run.bench}) | ${run.outcome}${run.outcome === 'ok' && !run.result ? ' (no figures written)' : ''} | ${run.seconds.toFixed(0)} s |`);

  for (const run of runs) {
    lines.push('');
    lines.push(`## ${run.bench}`);
    lines.push('');
    lines.push(`\`${run.command}\` — ${run.outcome}, ${run.seconds.toFixed(0)} s`);
    if (run.result && run.result.figures.length > 0) {
      lines.push('');
      lines.push('| figure | value | floor (for a rate, ceiling), same run | ratio | goal |');
      lines.push('|---|---|---|---|---|');
      for (const figure of run.result.figures) {
        const floor = figure.floor ? `${withUnit(figure.floor.value, figure.unit)} (${cell(figure.floor.name)})` : '';
        lines.push(`| ${cell(figure.name)} | ${withUnit(figure.value, figure.unit)} | ${floor} | ${ratio(figure)} | ${cell(figure.goal ?? '')} |`);
      }
    }
    if (run.outcome !== 'ok' && run.tail) {
      lines.push('');
      lines.push('Its last lines:');
      lines.push('');
      lines.push('```');
      lines.push(run.tail.replace(/```/g, "'''"));
      lines.push('```');
    }
    for (const chart of charts.filter((entry) => entry.bench === run.bench)) {
      lines.push('');
      lines.push(`![${chart.title}](${input.chartDir}/${chart.file})`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
