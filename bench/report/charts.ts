/**
 * Which charts the report draws from the benches' results: the first page's latency distribution
 * against the floor's (bench:core), the storm's throughput over time against the ceiling
 * (bench:storm), and the worker's memory against open incidents and page lateness against the
 * floor (bench:escalation). A chart is drawn only from a result that has its series.
 */
import type { BenchResult } from '../harness/benchResult';
import { cumulativeShare, lineChartSvg, ratePerBin } from './svgChart';

export interface Chart {
  bench: string;
  /** File name under docs/benchmarks/. */
  file: string;
  title: string;
  svg: string;
}

const samples = (result: BenchResult, name: string): number[] => (result.series?.[name] as number[] | undefined) ?? [];
const pairs = (result: BenchResult, name: string): Array<[number, number]> => (result.series?.[name] as Array<[number, number]> | undefined) ?? [];

function distribution(bench: string, file: string, title: string, xLabel: string, lines: Array<{ name: string; values: number[] }>): Chart[] {
  const series = lines.filter((line) => line.values.length > 0).map((line) => ({ name: `${line.name} (n=${line.values.length})`, points: cumulativeShare(line.values) }));
  if (series.length === 0) return [];
  return [{ bench, file, title, svg: lineChartSvg({ title, xLabel, yLabel: 'share of samples at or below (%)', series }) }];
}

export function chartsFor(results: BenchResult[]): Chart[] {
  const charts: Chart[] = [];
  for (const result of results) {
    if (result.bench === 'core') {
      charts.push(
        ...distribution('core', 'core-first-page-latency.svg', 'bench:core: alert → first page against the floor', 'latency (ms)', [
          { name: 'floor: signalWithStart + 1 activity', values: samples(result, 'floor') },
          { name: 'alert → first page', values: samples(result, 'alerts') },
        ]),
      );
    }
    if (result.bench === 'storm') {
      const times = samples(result, 'answeredAtS');
      const [ceiling] = samples(result, 'ceilingPerSecond');
      const accepted = result.figures.find((figure) => figure.unit === 'alerts/s');
      if (times.length > 0) {
        const title = 'bench:storm: alerts answered per second through the API';
        charts.push({
          bench: 'storm',
          file: 'storm-throughput.svg',
          title,
          svg: lineChartSvg({
            title,
            xLabel: 'time since the storm began (s)',
            yLabel: 'alerts answered per second',
            series: [{ name: 'API, per 1 s', points: ratePerBin(times, 1) }],
            references: [
              ...(accepted ? [{ name: 'API, over the whole storm', y: accepted.value }] : []),
              ...(ceiling === undefined ? [] : [{ name: 'ceiling: signalWithStart straight to the server', y: ceiling }]),
            ],
          }),
        });
      }
    }
    if (result.bench === 'escalation') {
      const series = [
        { name: 'Vigil worker, default cache', points: pairs(result, 'memoryVigil') },
        { name: 'floor: bare worker, default cache', points: pairs(result, 'memoryFloor') },
        { name: 'Vigil worker, bounded cache (plateau)', points: pairs(result, 'memoryPlateau') },
      ].filter((entry) => entry.points.length > 0);
      if (series.length > 0) {
        const title = 'bench:escalation: worker memory against open incidents';
        charts.push({ bench: 'escalation', file: 'escalation-memory.svg', title, svg: lineChartSvg({ title, xLabel: 'open incidents', yLabel: 'worker RSS (MB)', series }) });
      }
      charts.push(
        ...distribution('escalation', 'escalation-lateness.svg', 'bench:escalation: level-2 page lateness against the floor', 'lateness after the due time (ms)', [
          { name: 'floor: timer + 1 activity', values: samples(result, 'latenessFloor') },
          { name: 'floor: timer + 1 activity sending 1 email', values: samples(result, 'latenessFloorSmtp') },
          { name: 'Vigil: level-2 page at the SMTP sink', values: samples(result, 'latenessVigil') },
        ]),
      );
    }
  }
  return charts;
}
