// A small SVG chart of records/s over time (sent and confirmed), drawn by hand: two series of at
// most a few hundred points do not justify a charting library in the webview bundle.
import type { ThroughputPoint } from '../../src/shared/runDetailsProtocol';
import { formatCount, formatDuration } from '../../src/shared/format';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

export interface RatePoint {
  t: number;
  sent: number;
  confirmed: number;
}

/** Records/s between consecutive samples of cumulative counts. */
export function ratesOf(series: readonly ThroughputPoint[]): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 1; i < series.length; i++) {
    const dt = (series[i].t - series[i - 1].t) / 1000;
    if (dt <= 0) continue;
    out.push({
      t: series[i].t,
      sent: Math.max(0, (series[i].sent - series[i - 1].sent) / dt),
      confirmed: Math.max(0, (series[i].confirmed - series[i - 1].confirmed) / dt),
    });
  }
  return out;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The labels of the rate axis: 0, the middle and the top, each a whole number shown once. A run
 * that moved no record has the one label 0 (it used to read "0, 1, 1").
 */
export function axisTicks(peak: number): number[] {
  if (!(peak > 0)) return [0];
  const top = Math.max(1, Math.ceil(peak));
  return [...new Set([0, Math.round(top / 2), top])];
}

export function renderThroughputChart(container: HTMLElement, series: readonly ThroughputPoint[]): void {
  // Redrawn on every update: an opened table stays open.
  const tableOpen = container.querySelector('details')?.open === true;
  container.replaceChildren();
  const rates = ratesOf(series);
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': chartSummary(series, rates),
    preserveAspectRatio: 'none',
    class: 'chart',
  });
  container.appendChild(root);
  const table = throughputTable(series, rates);
  table.open = tableOpen;
  container.appendChild(table);
  const peak = Math.max(0, ...rates.map((r) => Math.max(r.sent, r.confirmed)));
  if (rates.length === 0 || peak === 0) {
    const text = rates.length === 0 ? 'No throughput samples yet' : 'No records were sent';
    root.appendChild(svg('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'chart-empty' }, text));
  }
  if (rates.length === 0) {
    container.dataset.points = '0';
    return;
  }
  const t0 = series[0].t;
  const tMax = Math.max(1, rates[rates.length - 1].t - t0);
  const ticks = axisTicks(peak);
  const yMax = Math.max(1, ticks[ticks.length - 1]);
  const x = (t: number) => PAD.left + ((t - t0) / tMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);

  for (const tick of ticks) {
    const gy = y(tick);
    root.appendChild(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: gy, y2: gy, class: 'chart-grid' }));
    root.appendChild(svg('text', { x: PAD.left - 6, y: gy + 4, 'text-anchor': 'end', class: 'chart-label chart-axis' }, formatCount(tick)));
  }
  root.appendChild(svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'chart-label' }, '0'));
  root.appendChild(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', class: 'chart-label' }, formatDuration(tMax)));

  const start = `${x(t0).toFixed(1)},${y(0).toFixed(1)}`;
  const sentPts = rates.map((r) => `${x(r.t).toFixed(1)},${y(r.sent).toFixed(1)}`);
  root.appendChild(
    svg('polygon', {
      points: [start, ...sentPts, `${x(rates[rates.length - 1].t).toFixed(1)},${y(0).toFixed(1)}`].join(' '),
      class: 'chart-sent-area',
    }),
  );
  root.appendChild(svg('polyline', { points: [start, ...sentPts].join(' '), class: 'chart-sent' }));
  root.appendChild(
    svg('polyline', {
      points: [start, ...rates.map((r) => `${x(r.t).toFixed(1)},${y(r.confirmed).toFixed(1)}`)].join(' '),
      class: 'chart-confirmed',
    }),
  );
  container.dataset.points = String(rates.length);
}

/** What the chart shows, in one sentence (its accessible name). */
function chartSummary(series: readonly ThroughputPoint[], rates: readonly RatePoint[]): string {
  if (rates.length === 0) return 'Records per second over time: no samples yet';
  const last = series[series.length - 1];
  const peak = Math.round(Math.max(0, ...rates.map((r) => r.sent)));
  return `Records per second over ${formatDuration(last.t - series[0].t)}: ${formatCount(last.sent)} sent, ${formatCount(last.confirmed)} confirmed, peak ${formatCount(peak)} sent per second. The table below lists every sample.`;
}

/** The chart as text: one row per sample (time, records/s sent and confirmed, totals), behind a disclosure. */
function throughputTable(series: readonly ThroughputPoint[], rates: readonly RatePoint[]): HTMLDetailsElement {
  const details = document.createElement('details');
  details.id = 'throughput-table-box';
  const summary = document.createElement('summary');
  summary.textContent = 'Throughput as a table';
  details.appendChild(summary);
  const table = document.createElement('table');
  table.id = 'throughput-table';
  const caption = document.createElement('caption');
  caption.textContent = 'Throughput samples (records per second between samples; totals so far)';
  table.appendChild(caption);
  const head = table.createTHead().insertRow();
  for (const title of ['Time', 'Sent/s', 'Confirmed/s', 'Sent', 'Confirmed']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = title;
    head.appendChild(th);
  }
  const body = table.createTBody();
  const t0 = series[0]?.t ?? 0;
  for (const r of rates) {
    const point = series.find((p) => p.t === r.t);
    const row = body.insertRow();
    for (const text of [
      formatDuration(r.t - t0),
      formatCount(Math.round(r.sent)),
      formatCount(Math.round(r.confirmed)),
      formatCount(point?.sent ?? 0),
      formatCount(point?.confirmed ?? 0),
    ])
      row.insertCell().textContent = text;
  }
  details.appendChild(table);
  return details;
}
