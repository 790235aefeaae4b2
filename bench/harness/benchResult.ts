/**
 * A bench's figures as data for `npm run bench:report` (bench/report.ts): when BENCH_RESULT_FILE
 * is set, the bench writes its figures, each beside the floor measured in the same run, and the
 * raw series the report draws, as JSON to that file. The printed report stays the bench's own;
 * the report reads this file and never parses text.
 */
import { writeFileSync } from 'node:fs';

export interface BenchFigure {
  /** What was measured: "alert → first page, p50". */
  name: string;
  value: number;
  /** "ms", "alerts/s", "MB", "KiB", "count". */
  unit: string;
  /** The same measure of the bare path, in the same run (for a rate, its ceiling); the report gives value / floor. */
  floor?: { name: string; value: number };
  /** The goal, as words: "≤ 1.2× the floor", "≤ 500 ms". */
  goal?: string;
}

export interface BenchResult {
  bench: string;
  /** The knobs the run used, as the bench read them. */
  settings: Record<string, string | number | boolean>;
  figures: BenchFigure[];
  /** Raw measurements for the report's charts, by name: samples, or [x, y] points. */
  series?: Record<string, number[] | Array<[number, number]>>;
}

/** Writes `result` to BENCH_RESULT_FILE if that is set; synchronous, so it holds even right before `process.exit`. */
export function writeBenchResult(result: BenchResult): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(result)}\n`);
}
