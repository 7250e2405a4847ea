/**
 * Messages between the extension host and the run details webview (`webview-ui/`). Imported by
 * both sides, so it holds types and pure helpers only: no `vscode`, no DOM, no Node APIs.
 */

export const RUN_DETAILS_VIEW_TYPE = 'airbyte.runDetails';

export type RunStatus = 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';

/** Where one stream stands in a run. `pending` until its first record, `complete`/`incomplete` at the end. */
export type StreamPhase = 'pending' | 'running' | 'complete' | 'incomplete';

export interface StreamRow {
  name: string;
  /** The write strategy as asked (`auto`, `append`…) and the destination sync mode it became. */
  strategy?: string;
  destinationSyncMode?: string;
  /** `incremental` or `full_refresh`. */
  syncMode?: string;
  /** Records read from the source (or the cache). */
  read: number;
  /** Records written to the destination's stdin. */
  sent: number;
  /** Records the destination confirmed durable (covered by an echoed STATE). */
  confirmed: number;
  phase: StreamPhase;
  /** One line describing the committed state (e.g. `updated_at = 2024-05-01T…`), never secrets. */
  state?: string;
}

/** One sample of cumulative counts, `t` in ms since the run started. */
export interface ThroughputPoint {
  t: number;
  sent: number;
  confirmed: number;
}

export interface RunErrorView {
  message: string;
  guidance?: string;
  /** The connector's TRACE ERROR message, when it sent one. */
  traceMessage?: string;
  exitCode?: number;
  /** The connector the error came from, when known. */
  connector?: string;
}

/** Everything the webview shows for one run. Plain JSON (it crosses `postMessage` and `setState`). */
export interface RunView {
  runId: string;
  /** The pair of config files (or identities) the run belongs to: a panel follows the newest run of its pair. */
  pairKey?: string;
  /** `read` (into the cache) or `write`. */
  kind?: 'read' | 'write';
  /** A write fed by a read (through the cache, or `cache:N`): that read's run id. */
  fedByRead?: string;
  source: string;
  destination: string;
  status: RunStatus;
  /** Epoch ms. */
  startedAt: number;
  endedAt?: number;
  durationMs: number;
  strategy?: string;
  /** Where the connectors ran: `Ran on: source venv python3.11, destination docker unix:///…`. */
  runsOn?: string;
  /** While running: `preparing`, `reading` (into the cache), `writing`, `finishing`. */
  phase?: string;
  streams: StreamRow[];
  throughput: ThroughputPoint[];
  error?: RunErrorView;
  /** Last connector log lines (already secret-masked by the core). */
  logTail: string[];
}

export type HostToWebviewMessage =
  /** The whole run: sent on open and (throttled) while it runs. */
  | { type: 'snapshot'; run: RunView }
  /** New connector log lines to append to the tail. */
  | { type: 'log'; runId: string; lines: string[] };

export type WebviewToHostMessage =
  /** The app is loaded and wants a snapshot (also after the panel was hidden and shown again). */
  | { type: 'ready'; runId?: string }
  | { type: 'showLogs' }
  | { type: 'cancel'; runId: string }
  | { type: 'rerun'; runId: string }
  /** Open what landed in the run's destination when it writes local files (Records Preview). */
  | { type: 'previewDestination'; runId: string };

/** The webview keeps this many log lines; the host sends at most this many in a snapshot. */
export const LOG_TAIL_LINES = 200;

/** The chart keeps at most this many points (older ones are thinned, never the first or last). */
export const MAX_THROUGHPUT_POINTS = 300;

export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (type === 'ready' || type === 'showLogs') return true;
  if (type === 'cancel' || type === 'rerun' || type === 'previewDestination')
    return typeof (value as { runId?: unknown }).runId === 'string';
  return false;
}

/** Appends a point, halving the older half of the series when it grows past the limit. */
export function appendThroughputPoint(series: ThroughputPoint[], point: ThroughputPoint, max = MAX_THROUGHPUT_POINTS): ThroughputPoint[] {
  const last = series[series.length - 1];
  if (last && last.t === point.t) {
    series[series.length - 1] = point;
    return series;
  }
  series.push(point);
  if (series.length > max) {
    const keepTail = Math.floor(max / 2);
    const head = series.slice(0, series.length - keepTail).filter((_, i) => i % 2 === 0);
    const tail = series.slice(series.length - keepTail);
    return [...head, ...tail];
  }
  return series;
}

/** What the run details tab is titled: the run number first, so that tabs of one pair differ. */
export function runTitle(run: Pick<RunView, 'runId' | 'source' | 'destination'>): string {
  return `Airbyte Run #${run.runId}: ${run.source} → ${run.destination}`;
}

/**
 * The totals line of a run: where its records came from, then what happened to them. A write fed
 * by a read got its records from the cache, not from the source (its read run counts those):
 * "800 sent from read #7 (the record cache) · 0 confirmed", never "0 read · 800 sent".
 */
export function totalsText(run: Pick<RunView, 'streams' | 'kind' | 'fedByRead'>, format: (n: number) => string): string {
  const sum = (k: 'read' | 'sent' | 'confirmed') => run.streams.reduce((n, s) => n + s[k], 0);
  const read = sum('read');
  const sent = sum('sent');
  const confirmed = sum('confirmed');
  if (run.kind === 'write' && run.fedByRead !== undefined) {
    return `${format(sent)} sent from read #${run.fedByRead} (the record cache) · ${format(confirmed)} confirmed`;
  }
  if (run.kind === 'read') return `${format(read)} read into the record cache`;
  return `${format(read)} read · ${format(sent)} sent · ${format(confirmed)} confirmed`;
}

/** Records per second between the first and last point (0 when unknown). */
export function averageRate(series: readonly ThroughputPoint[], key: 'sent' | 'confirmed' = 'sent'): number {
  if (series.length < 2) return 0;
  const first = series[0];
  const last = series[series.length - 1];
  const dt = (last.t - first.t) / 1000;
  return dt > 0 ? (last[key] - first[key]) / dt : 0;
}
