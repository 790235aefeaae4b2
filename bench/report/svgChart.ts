/**
 * Line charts as standalone SVG text, for docs/benchmarks/: shared linear axes with round ticks,
 * one polyline per series (its points in data order, `data-series` naming it), optional
 * horizontal reference lines (a ceiling, a goal) and a legend. Pure: data in, SVG text out.
 */

export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Horizontal reference lines, drawn dashed. */
  references?: Array<{ name: string; y: number }>;
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 72, right: 24, top: 44, bottom: 84 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let tick = first; tick < max + step * 0.999; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

const label = (value: number) => (Math.abs(value) >= 10_000 ? value.toExponential(1) : String(Number(value.toPrecision(6))));
const coordinate = (value: number) => value.toFixed(2);

export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((series) => series.points.map(([x]) => x));
  const ys = [...chart.series.flatMap((series) => series.points.map(([, y]) => y)), ...(chart.references ?? []).map((reference) => reference.y)];
  if (xs.length === 0) throw new Error(`chart "${chart.title}" has no points`);
  if (![...xs, ...ys].every(Number.isFinite)) throw new Error(`chart "${chart.title}" has a point that is not a finite number`);
  // Both axes start at zero when the data are all positive: ratios to a floor read true.
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(...ys));
  const [x0, x1, y0, y1] = [xTicks[0], xTicks[xTicks.length - 1], yTicks[0], yTicks[yTicks.length - 1]];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - ((y - y0) / (y1 - y0)) * plotHeight;
  const bottom = MARGIN.top + plotHeight;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${escapeXml(chart.title)}</title>`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(chart.title)}</text>`);
  for (const tick of xTicks) {
    parts.push(`<line x1="${coordinate(px(tick))}" y1="${MARGIN.top}" x2="${coordinate(px(tick))}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${coordinate(px(tick))}" y="${bottom + 16}" text-anchor="middle">${label(tick)}</text>`);
  }
  for (const tick of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" y1="${coordinate(py(tick))}" x2="${WIDTH - MARGIN.right}" y2="${coordinate(py(tick))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${coordinate(py(tick) + 4)}" text-anchor="end">${label(tick)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888888"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${bottom + 36}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text x="16" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})">${escapeXml(chart.yLabel)}</text>`);

  const legend: Array<{ name: string; colour: string; dashed: boolean }> = [];
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const points = series.points.map(([x, y]) => `${coordinate(px(x))},${coordinate(py(y))}`).join(' ');
    parts.push(`<polyline data-series="${escapeXml(series.name)}" points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    // A lone point would draw nothing as a line: mark every point when there are few.
    if (series.points.length <= 12) {
      for (const [x, y] of series.points) parts.push(`<circle cx="${coordinate(px(x))}" cy="${coordinate(py(y))}" r="3" fill="${colour}"/>`);
    }
    legend.push({ name: series.name, colour, dashed: false });
  });
  (chart.references ?? []).forEach((reference, index) => {
    const colour = COLOURS[(chart.series.length + index) % COLOURS.length];
    parts.push(`<line data-reference="${escapeXml(reference.name)}" x1="${MARGIN.left}" y1="${coordinate(py(reference.y))}" x2="${WIDTH - MARGIN.right}" y2="${coordinate(py(reference.y))}" stroke="${colour}" stroke-width="2" stroke-dasharray="6 4"/>`);
    legend.push({ name: reference.name, colour, dashed: true });
  });
  legend.forEach((entry, index) => {
    const column = index % 2;
    const row = Math.floor(index / 2);
    const x = MARGIN.left + column * (plotWidth / 2);
    const y = bottom + 54 + row * 16;
    parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${entry.colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${x + 30}" y="${y}">${escapeXml(entry.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The empirical distribution: each sample (sorted) against the share of samples at or below it, in %. */
export function cumulativeShare(values: number[]): Array<[number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.map((value, index) => [value, ((index + 1) / sorted.length) * 100]);
}

/**
 * Events per second in consecutive bins of `binSeconds`, from the times (s since the start) they
 * happened; x is each bin's end. The last bin ends at the last event, so a short tail is not
 * read as a drop.
 */
export function ratePerBin(timesS: number[], binSeconds = 1): Array<[number, number]> {
  if (timesS.length === 0) return [];
  const last = Math.max(...timesS);
  const bins = Math.max(1, Math.ceil(last / binSeconds));
  const counts = new Array<number>(bins).fill(0);
  for (const time of timesS) counts[Math.min(bins - 1, Math.max(0, Math.floor(time / binSeconds)))] += 1;
  return counts.map((count, index) => {
    const end = index === bins - 1 && last > 0 ? last : (index + 1) * binSeconds;
    return [end, count / (end - index * binSeconds)];
  });
}
