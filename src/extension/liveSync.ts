// One Write to Destination while it runs: the runs the core announced for it (a write through the
// cache reads first, then writes), their live views, and the words the status bar and the progress
// notification show. Pure (no `vscode` import, unit-tested): the sync runner owns one per sync and
// drops it when the sync ends. Until the core announces a run there is no view: it is "Starting…".
import type { ConnectorLogLine } from '../core/connectors/connectorProcess';
import type { WriteProgress } from '../core/write/progressTracker';
import type { RunStarted } from '../core/write/runEvents';
import type { WriteStrategy } from '../core/write/writeStrategy';
import { formatCount } from '../shared/format';
import type { RunStatus, RunView } from '../shared/runDetailsProtocol';
import { LOG_TAIL_LINES } from '../shared/runDetailsProtocol';
import type { ErrorLike } from './runViewModel';
import { appendLog, applyProgress, finishRunView, runsOnText, runViewOfStarted } from './runViewModel';

/** A run of the sync in progress, placed as the core announced it. */
export interface LiveRun {
  view: RunView;
  sourceId: string;
  /** The destination identity (of a read a write through the cache started: that write's destination). */
  destinationId?: string;
  /** Where its connectors run (`Ran on: source docker tcp://…, …`). */
  runsOn?: string;
}

/** What a sync was asked to do (config paths or `cache:<runId>`, as given to the core). */
export interface SyncRequest {
  source: string;
  destination: string;
  streams?: string[];
  strategy: WriteStrategy;
  fullRefresh: boolean;
}

export class LiveSync {
  readonly controller = new AbortController();
  /** The runs of this sync, in the order the core started them. */
  readonly runs: LiveRun[] = [];
  /** Connector log lines from before the first run started (reading specs, pulling images). */
  private readonly earlyLog: string[] = [];
  private phase: string | undefined;
  private reportedPercent = 0;
  private resolveEnded!: () => void;
  /** Settles when the sync has ended, however it ended. */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  /** `title`: what the user asked for (`source → warehouse`), until the core names the runs. */
  constructor(
    readonly request: SyncRequest,
    readonly title: string,
  ) {}

  /** The sync as people name it: its current run's sides, else what was asked for. */
  get name(): string {
    const view = this.current?.view;
    return view ? `${view.source} → ${view.destination}` : this.title;
  }

  /** The sync is over (its runs were finished with {@link finish}). */
  end(): void {
    this.resolveEnded();
  }

  /** The run going on now; undefined while the sync is starting. */
  get current(): LiveRun | undefined {
    return this.runs[this.runs.length - 1];
  }

  /** A run the core started. The one before it (the read of a write through the cache) has ended well. */
  runStarted(run: RunStarted): LiveRun {
    const previous = this.current?.view;
    if (previous?.status === 'Running') finishRunView(previous, 'Succeeded');
    const view = runViewOfStarted(run);
    appendLog(view, this.earlyLog.splice(0));
    const live = {
      view,
      sourceId: run.source.identity,
      destinationId: (run.destination ?? run.forDestination)?.identity,
      runsOn: runsOnText({ sourceRunsOn: run.source.runsOn, destinationRunsOn: run.destination?.runsOn }),
    };
    this.runs.push(live);
    return live;
  }

  /** Folds a progress event into the view of its run; returns that view (none before the run started). */
  progress(p: WriteProgress, now = Date.now()): RunView | undefined {
    this.phase = p.phase;
    const run = this.runs.find((r) => r.view.runId === String(p.runId));
    return run && applyProgress(run.view, p, now);
  }

  log(connector: string, line: ConnectorLogLine): void {
    const text = `[${connector}] ${line.text}`;
    const view = this.current?.view;
    if (view) appendLog(view, [text]);
    else if (this.earlyLog.push(text) > LOG_TAIL_LINES) this.earlyLog.shift();
  }

  /** The clock keeps moving while a connector is quiet (a slow source, a destination flushing). */
  tick(now = Date.now()): void {
    for (const { view } of this.runs) if (view.status === 'Running') view.durationMs = now - view.startedAt;
  }

  /** Ends the runs still going: `status` for the current one (with the error when it failed). */
  finish(status: Exclude<RunStatus, 'Running'>, error?: ErrorLike, now = Date.now()): void {
    for (const { view } of this.runs) if (view.status === 'Running') finishRunView(view, status, now, error);
  }

  /** The status bar text. */
  statusText(): string {
    const view = this.current?.view;
    if (!view) return '$(sync~spin) Airbyte: Starting…';
    const reading = view.phase === undefined || view.phase === 'preparing' || view.phase === 'reading';
    const count = view.streams.reduce((n, s) => n + (reading ? s.read : s.sent), 0);
    return `$(sync~spin) Airbyte: ${view.source} → ${view.destination} · ${formatCount(count)} ${reading ? 'read' : 'sent'}`;
  }

  /** The progress notification's message, and how far it moved since the last one (in percent, when the source estimated). */
  progressReport(p?: WriteProgress): { message: string; increment?: number } {
    const view = this.current?.view;
    if (!view) return { message: 'Starting…' };
    // Words, not a fraction: "0/100" read as "done of total" while it meant confirmed of read.
    // Written: what the destination confirmed it wrote (covered by an echoed state).
    const parts = view.streams
      .filter((s) => s.read > 0 || s.sent > 0)
      .map(
        (s) =>
          `${s.name} ${s.read > 0 ? `${formatCount(s.read)} read` : `${formatCount(s.sent)} sent`} · ${formatCount(s.confirmed)} written`,
      );
    const message = `${this.phase ?? 'starting'}${parts.length ? ` — ${parts.join(', ')}` : ''}`;
    const fraction = p?.expectedRecords ? Math.min(1, p.recordsSent / p.expectedRecords) : undefined;
    if (fraction === undefined) return { message };
    const increment = Math.max(0, Math.round(fraction * 100) - this.reportedPercent);
    this.reportedPercent += increment;
    return { message, increment: increment || undefined };
  }
}

/** `N records confirmed (M sent) in K stream(s)`, of a finished run's view. */
export function runSummary(view: RunView): string {
  const confirmed = view.streams.reduce((n, s) => n + s.confirmed, 0);
  const sent = view.streams.reduce((n, s) => n + s.sent, 0);
  return `${formatCount(confirmed)} records confirmed (${formatCount(sent)} sent) in ${view.streams.length} stream(s)`;
}
