import { describe, expect, it } from 'vitest';
import { cumulativeShare, lineChartSvg, niceTicks, ratePerBin } from '../../bench/report/svgChart';
import { findAll, parseXml } from './parseXml';

const pixels = (points: string) => points.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);

/** Every pixel lies on the one linear map the first and last points define, x rightwards and y upwards. */
function expectLinear(data: Array<[number, number]>, drawn: Array<[number, number]>, scale: { x: number; y: number; x0: number; y0: number; px0: number; py0: number }) {
  expect(drawn).toHaveLength(data.length);
  data.forEach(([x, y], index) => {
    expect(drawn[index][0]).toBeCloseTo(scale.px0 + (x - scale.x0) * scale.x, 1);
    expect(drawn[index][1]).toBeCloseTo(scale.py0 + (y - scale.y0) * scale.y, 1);
  });
}

describe('lineChartSvg', () => {
  const floor: Array<[number, number]> = [[10, 20], [20, 50], [40, 100]];
  const vigil: Array<[number, number]> = [[15, 10], [30, 60], [80, 90], [120, 100]];
  const svg = lineChartSvg({ title: 'p50 < 1.2× & "floor"', xLabel: 'latency (ms)', yLabel: 'share (%)', series: [{ name: 'floor', points: floor }, { name: 'Vigil <api>', points: vigil }], references: [{ name: 'ceiling', y: 75 }] });
  const root = parseXml(svg);

  it('writes one well-formed SVG document whose title and names are escaped text', () => {
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(findAll(root, 'title')[0].text).toBe('p50 < 1.2× & "floor"');
    expect(findAll(root, 'text').map((element) => element.text)).toEqual(expect.arrayContaining(['Vigil <api>', 'ceiling', 'latency (ms)', 'share (%)']));
  });

  it('draws each series through its data points, on axes shared by every series', () => {
    const lines = findAll(root, 'polyline');
    expect(lines.map((line) => line.attributes['data-series'])).toEqual(['floor', 'Vigil <api>']);
    const floorPx = pixels(lines[0].attributes.points);
    const vigilPx = pixels(lines[1].attributes.points);
    // The map from the floor's first and last points, applied to every point of both series.
    const x = (floorPx[2][0] - floorPx[0][0]) / (40 - 10);
    const y = (floorPx[2][1] - floorPx[0][1]) / (100 - 20);
    expect(x).toBeGreaterThan(0);
    expect(y).toBeLessThan(0);
    const scale = { x, y, x0: 10, y0: 20, px0: floorPx[0][0], py0: floorPx[0][1] };
    expectLinear(floor, floorPx, scale);
    expectLinear(vigil, vigilPx, scale);
    // The reference line sits at its value on the same y axis.
    const reference = findAll(root, 'line').find((line) => line.attributes['data-reference'] === 'ceiling');
    expect(Number(reference?.attributes.y1)).toBeCloseTo(scale.py0 + (75 - 20) * y, 1);
  });

  it('keeps every point inside the drawing', () => {
    const width = Number(root.attributes.width);
    const height = Number(root.attributes.height);
    for (const line of findAll(root, 'polyline')) {
      for (const [px, py] of pixels(line.attributes.points)) {
        expect(px).toBeGreaterThanOrEqual(0);
        expect(px).toBeLessThanOrEqual(width);
        expect(py).toBeGreaterThanOrEqual(0);
        expect(py).toBeLessThanOrEqual(height);
      }
    }
  });

  it('refuses a chart with nothing or a non-number to draw', () => {
    expect(() => lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toThrow(/no points/);
    expect(() => lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[1, Number.NaN]] }] })).toThrow(/finite/);
  });
});

describe('chart data', () => {
  it('niceTicks covers the range in round steps', () => {
    expect(niceTicks(0, 93)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.42)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('cumulativeShare sorts the samples and gives the share at or below each', () => {
    expect(cumulativeShare([30, 10, 20, 40])).toEqual([[10, 25], [20, 50], [30, 75], [40, 100]]);
  });

  it('ratePerBin counts events per second in each bin, the last bin as long as the events last', () => {
    expect(ratePerBin([0.1, 0.5, 0.9, 1.2, 1.5])).toEqual([[1, 3], [1.5, 4]]);
    expect(ratePerBin([0.5, 1.5, 2.5, 3.5], 2)).toEqual([[2, 1], [3.5, 2 / 1.5]]);
    expect(ratePerBin([])).toEqual([]);
  });
});
