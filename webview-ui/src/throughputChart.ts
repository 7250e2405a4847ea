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

export function renderThroughputChart(container: HTMLElement, series: readonly ThroughputPoint[]): void {
  container.replaceChildren();
  const rates = ratesOf(series);
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': 'Records per second over time',
    preserveAspectRatio: 'none',
    class: 'chart',
  });
  container.appendChild(root);
  if (rates.length === 0) {
    root.appendChild(
      svg('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No throughput samples yet'),
    );
    container.dataset.points = '0';
    return;
  }
  const t0 = series[0].t;
  const tMax = Math.max(1, rates[rates.length - 1].t - t0);
  const yMax = Math.max(1, ...rates.map((r) => Math.max(r.sent, r.confirmed)));
  const x = (t: number) => PAD.left + ((t - t0) / tMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);

  for (const f of [0, 0.5, 1]) {
    const gy = y(yMax * f);
    root.appendChild(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: gy, y2: gy, class: 'chart-grid' }));
    root.appendChild(
      svg('text', { x: PAD.left - 6, y: gy + 4, 'text-anchor': 'end', class: 'chart-label' }, formatCount(Math.round(yMax * f))),
    );
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
