// A bar chart of one figure per day as inline SVG: no library, no style attribute (CSP), and a
// text alternative for screen readers.

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/**
 * @param days `[{ day: 'YYYY-MM-DD', value: number }]`, oldest first
 * @param label what the bars count, e.g. "incidents opened"
 */
export function dayBars(days, label) {
  const width = 280;
  const height = 64;
  const gap = 2;
  const max = Math.max(1, ...days.map((day) => day.value));
  const barWidth = days.length ? Math.max(1, (width - gap * (days.length - 1)) / days.length) : width;
  const summary = days.map((day) => `${day.day}: ${day.value}`).join(', ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 14}`, class: 'chart', role: 'img', 'aria-label': `${label} per day: ${summary || 'no data'}` });
  days.forEach((day, index) => {
    const barHeight = Math.round((day.value / max) * height);
    const x = index * (barWidth + gap);
    chart.append(svg('rect', { x, y: height - barHeight, width: barWidth, height: Math.max(barHeight, day.value > 0 ? 1 : 0), class: 'bar' }, svg('title', {}, `${day.day}: ${day.value} ${label}`)));
  });
  chart.append(svg('line', { x1: 0, y1: height + 0.5, x2: width, y2: height + 0.5, class: 'axis' }));
  if (days.length) {
    chart.append(svg('text', { x: 0, y: height + 12, class: 'tick' }, days[0].day.slice(5)));
    chart.append(svg('text', { x: width, y: height + 12, class: 'tick', 'text-anchor': 'end' }, days[days.length - 1].day.slice(5)));
  }
  return chart;
}
