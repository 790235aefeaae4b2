import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/harness/benchResult';
import { chartsFor } from '../../bench/report/charts';
import { benchmarksMarkdown, formatNumber, ratio, type ReportInput } from '../../bench/report/markdown';
import { findAll, parseXml } from './parseXml';

const core: BenchResult = {
  bench: 'core',
  settings: { BENCH_ALERTS: 4 },
  figures: [{ name: 'alert → first page, p50', value: 211, unit: 'ms', floor: { name: 'workflow start + 1 activity, p50', value: 131 }, goal: '≤ 1.2× the floor' }],
  series: { floor: [120, 131, 140, 150], alerts: [200, 211, 230, 260] },
};
const storm: BenchResult = {
  bench: 'storm',
  settings: {},
  figures: [{ name: 'alerts accepted through the API', value: 730, unit: 'alerts/s', floor: { name: 'ceiling', value: 1000 } }],
  series: { answeredAtS: [0.2, 0.4, 1.1, 1.9, 2.5], ceilingPerSecond: [3] },
};
const escalation: BenchResult = { bench: 'escalation', settings: {}, figures: [], series: { memoryVigil: [[20, 150], [220, 190]], memoryPlateau: [[60, 160], [600, 300]] } };

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    machine: { cpu: 'Test CPU | 2 GHz', cores: 2, memoryGiB: 7.75, os: 'Linux 6.1', node: 'v22.1.0', loadBefore: [14.15, 17.08, 13.58], loadAfter: [9.5, 12, 13] },
    provenance: { date: '2026-11-30T14:00:00.000Z', commit: 'abc123', dirtyFiles: [] },
    runs: [
      { bench: 'core', command: 'BENCH_ALERTS=4 npx tsx bench/core.ts', seconds: 61, outcome: 'ok', result: core },
      { bench: 'storm', command: 'npx tsx bench/storm.ts', seconds: 300, outcome: 'timed out', tail: 'bench:storm passed its bound' },
    ],
    charts: [{ bench: 'core', file: 'core-first-page-latency.svg', title: 'core latency' }],
    totalSeconds: 361,
    chartDir: 'benchmarks',
    ...overrides,
  };
}

describe('benchmarksMarkdown', () => {
  const markdown = benchmarksMarkdown(input());

  it('states when, on which commit and on what machine, with the load before and after', () => {
    expect(markdown).toContain('| date | 2026-11-30T14:00:00.000Z |');
    expect(markdown).toContain('`abc123` (clean tree)');
    expect(markdown).toContain('Test CPU \\| 2 GHz, 2 cores');
    expect(markdown).toContain('7.8 GiB');
    expect(markdown).toContain('Node v22.1.0');
    expect(markdown).toContain('before 14.15 / 17.08 / 13.58, after 9.50 / 12.00 / 13.00');
  });

  it('says which files were uncommitted when the tree was dirty', () => {
    expect(benchmarksMarkdown(input({ provenance: { date: 'd', commit: 'abc123', dirtyFiles: ['bench/core.ts', 'README.md'] } }))).toContain('`abc123` with 2 uncommitted change(s): bench/core.ts, README.md');
  });

  it('puts each figure beside its floor and its ratio to it', () => {
    expect(markdown).toContain('| alert → first page, p50 | 211 ms | 131 ms (workflow start + 1 activity, p50) | 1.61× | ≤ 1.2× the floor |');
  });

  it('shows a bench that did not finish, with its last lines, and links the charts', () => {
    expect(markdown).toContain('| [storm](#storm) | timed out | 300 s |');
    expect(markdown).toContain('bench:storm passed its bound');
    expect(markdown).toContain('![core latency](benchmarks/core-first-page-latency.svg)');
  });

  it('reads a rate against its ceiling as a share and a time against its floor as a factor', () => {
    expect(ratio(storm.figures[0])).toBe('73%');
    expect(ratio(core.figures[0])).toBe('1.61×');
    expect(ratio({ name: 'no floor', value: 3, unit: 'ms' })).toBe('');
    expect(benchmarksMarkdown(input({ runs: [{ bench: 'crash', command: 'c', seconds: 1, outcome: 'ok', result: { bench: 'crash', settings: {}, figures: [{ name: 'missed steps', value: 0, unit: 'count', goal: '0' }] } }] }))).toContain('| missed steps | 0 |  |  | 0 |');
    expect(formatNumber(0.4567)).toBe('0.457');
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    // A percentile of no samples is NaN, which JSON carries as null: no unit after "n/a".
    const noSamples = JSON.parse(JSON.stringify({ bench: 'crash', settings: {}, figures: [{ name: 'late by, p50', value: Number.NaN, unit: 'ms' }] })) as BenchResult;
    expect(benchmarksMarkdown(input({ runs: [{ bench: 'crash', command: 'c', seconds: 1, outcome: 'ok', result: noSamples }] }))).toContain('| late by, p50 | n/a |');
  });
});

describe('chartsFor', () => {
  const charts = chartsFor([core, storm, escalation]);

  it('draws the latency distributions, the storm over time and memory against open incidents', () => {
    expect(charts.map((chart) => chart.file)).toEqual(['core-first-page-latency.svg', 'storm-throughput.svg', 'escalation-memory.svg']);
  });

  it('draws every sample of the latency distribution, floor first', () => {
    const lines = findAll(parseXml(charts[0].svg), 'polyline');
    expect(lines.map((line) => line.attributes['data-series'])).toEqual(['floor: signalWithStart + 1 activity (n=4)', 'alert → first page (n=4)']);
    expect(lines.map((line) => line.attributes.points.split(' ').length)).toEqual([4, 4]);
  });

  it('draws the storm per second beside the ceiling, and the memory runs it has', () => {
    const stormSvg = parseXml(charts[1].svg);
    expect(findAll(stormSvg, 'polyline')[0].attributes.points.split(' ')).toHaveLength(3);
    expect(findAll(stormSvg, 'line').flatMap((line) => line.attributes['data-reference'] ?? [])).toEqual(['API, over the whole storm', 'ceiling: signalWithStart straight to the server']);
    expect(findAll(parseXml(charts[2].svg), 'polyline').map((line) => line.attributes['data-series'])).toEqual(['Vigil worker, default cache', 'Vigil worker, bounded cache (plateau)']);
  });
});
