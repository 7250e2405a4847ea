// Core run data (live progress events, run history rows, errors) → the RunView the webview and the
// Syncs tree show. Pure functions: no `vscode` import, unit-tested under test/unit/extension.
import { streamKey } from '../core/protocol/messages';
import type { RunRecord } from '../core/store/runHistory';
import type { WriteProgress } from '../core/write/progressTracker';
import type { RunStarted } from '../core/write/runEvents';
import type { WriteResult } from '../core/write/writeResult';
import type { RunErrorView, RunStatus, RunView, StreamRow } from '../shared/runDetailsProtocol';
import { appendThroughputPoint, LOG_TAIL_LINES } from '../shared/runDetailsProtocol';

/** Label of the destination side of a read that fed no destination: the workspace cache. */
export const CACHE_DESTINATION_LABEL = 'cache';

/** What places a run in its pair: both sides' config files, else (rows older than them, no file) their identities. */
export interface PairFacts {
  sourceId: string;
  /** The destination identity; empty or undefined for a read that fed no destination. */
  destinationId?: string;
  sourceConfigPath?: string;
  destinationConfigPath?: string;
}

/**
 * The key of a run's pair: its config files, so that editing a config (a new identity) keeps its
 * runs together; identities where no file was recorded.
 */
export function pairKeyOf(p: PairFacts): string {
  const destination = p.destinationId ? (p.destinationConfigPath ?? p.destinationId) : '';
  return `${p.sourceConfigPath ?? p.sourceId}→${destination}`;
}

export function newRunView(init: {
  runId: string;
  pairKey?: string;
  kind?: 'read' | 'write';
  fedByRead?: string;
  source: string;
  destination: string;
  strategy?: string;
  streams?: string[];
  startedAt?: number;
  runsOn?: string;
}): RunView {
  const startedAt = init.startedAt ?? Date.now();
  return {
    runId: init.runId,
    pairKey: init.pairKey,
    kind: init.kind,
    fedByRead: init.fedByRead,
    source: init.source,
    destination: init.destination,
    status: 'Running',
    startedAt,
    durationMs: 0,
    strategy: init.strategy,
    runsOn: init.runsOn,
    streams: (init.streams ?? []).map((name) => ({ name, strategy: init.strategy, read: 0, sent: 0, confirmed: 0, phase: 'pending' })),
    throughput: [{ t: 0, sent: 0, confirmed: 0 }],
    logTail: [],
  };
}

/** The live view of a run the core announced: named as the core names its sides. */
export function runViewOfStarted(run: RunStarted): RunView {
  const destination = run.destination ?? run.forDestination;
  return newRunView({
    runId: String(run.runId),
    pairKey: pairKeyOf({
      sourceId: run.source.identity,
      destinationId: destination?.identity,
      sourceConfigPath: run.source.configPath,
      destinationConfigPath: destination?.configPath,
    }),
    kind: run.kind,
    fedByRead: run.kind === 'write' && run.parentReadRunId !== undefined ? String(run.parentReadRunId) : undefined,
    source: run.source.label,
    // A read a write through the cache started belongs to that write's destination.
    destination: (run.destination ?? run.forDestination)?.label ?? CACHE_DESTINATION_LABEL,
    strategy: run.strategy,
    streams: run.streams,
    startedAt: run.startedAt,
    runsOn: runsOnText({ sourceRunsOn: run.source.runsOn, destinationRunsOn: run.destination?.runsOn }),
  });
}

/**
 * Folds a progress event of the view's run into it (mutates and returns it). `now` puts the sample
 * on the run's own clock: a write through the cache reports time since its read began.
 */
export function applyProgress(view: RunView, p: WriteProgress, now?: number): RunView {
  const elapsed = now === undefined ? p.elapsedMs : Math.max(0, now - view.startedAt);
  view.durationMs = elapsed;
  view.phase = p.phase;
  for (const s of p.streams) {
    let row = view.streams.find((r) => r.name === s.stream);
    if (!row) {
      row = { name: s.stream, strategy: view.strategy, read: 0, sent: 0, confirmed: 0, phase: 'pending' };
      view.streams.push(row);
    }
    row.read = s.recordsRead;
    row.sent = s.recordsSent;
    row.confirmed = s.recordsConfirmed;
    if (row.phase === 'pending' && (s.recordsRead > 0 || s.recordsSent > 0)) row.phase = 'running';
  }
  view.throughput = appendThroughputPoint(view.throughput, {
    t: elapsed,
    sent: p.phase === 'reading' ? p.recordsRead : p.recordsSent,
    confirmed: p.recordsConfirmed,
  });
  return view;
}

/** Appends masked connector log lines to the view's tail. */
export function appendLog(view: RunView, lines: string[]): void {
  view.logTail.push(...lines);
  if (view.logTail.length > LOG_TAIL_LINES) view.logTail.splice(0, view.logTail.length - LOG_TAIL_LINES);
}

export interface ErrorLike {
  message: string;
  guidance?: string;
  traceMessage?: string;
  exitCode?: number;
  context?: Record<string, unknown>;
  logTail?: string[];
}

export function errorView(error: ErrorLike): RunErrorView {
  const connector = error.context?.connector;
  return {
    message: error.message,
    guidance: error.guidance,
    traceMessage: error.traceMessage,
    exitCode: error.exitCode,
    connector: typeof connector === 'string' ? connector : undefined,
  };
}

/** Marks the run finished; streams still running become complete (success) or incomplete. */
export function finishRunView(view: RunView, status: Exclude<RunStatus, 'Running'>, endedAt = Date.now(), error?: ErrorLike): RunView {
  view.status = status;
  view.phase = undefined;
  view.endedAt = endedAt;
  view.durationMs = endedAt - view.startedAt;
  for (const row of view.streams) row.phase = status === 'Succeeded' ? 'complete' : row.phase === 'complete' ? 'complete' : 'incomplete';
  if (error) {
    view.error = errorView(error);
    if (error.logTail?.length && view.logTail.length === 0) appendLog(view, error.logTail);
  }
  const last = view.throughput[view.throughput.length - 1];
  const sent = view.streams.reduce((n, s) => n + s.sent, 0);
  const confirmed = view.streams.reduce((n, s) => n + s.confirmed, 0);
  if (!last || last.t < view.durationMs) view.throughput = appendThroughputPoint(view.throughput, { t: view.durationMs, sent, confirmed });
  return view;
}

const STATUS: Record<string, RunStatus> = { running: 'Running', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled' };

/**
 * A run from the store's history (no live samples: the chart gets its start and end), named by the
 * labels the core recorded; rows older than them show connector names. `destinationLabel` names
 * the destination a read fed, which its own row does not (see `syncHistory.ts`).
 */
export function runViewFromRecord(r: RunRecord, destinationLabel?: string): RunView {
  const streams: StreamRow[] = (
    r.streamStats.length
      ? r.streamStats
      : r.streams.map((stream) => ({ stream, recordsRead: 0, recordsSent: 0, recordsConfirmed: 0, bytes: 0 }))
  ).map((s) => ({
    name: s.stream,
    strategy: r.strategy,
    read: s.recordsRead,
    sent: s.recordsSent,
    confirmed: s.recordsConfirmed,
    phase:
      r.status === 'succeeded'
        ? 'complete'
        : r.status === 'running'
          ? 'running'
          : 'status' in s && s.status === 'complete'
            ? 'complete'
            : 'incomplete',
  }));
  const durationMs = (r.endedAt ?? Date.now()) - r.startedAt;
  return {
    runId: String(r.id),
    pairKey: pairKeyOf({ ...r, destinationId: (r.kind === 'write' ? r.destinationId : r.forDestinationId) ?? '' }),
    kind: r.kind === 'read' ? 'read' : 'write',
    fedByRead: r.kind === 'write' && r.parentRunId !== undefined ? String(r.parentRunId) : undefined,
    source: r.sourceLabel ?? r.source,
    destination: destinationLabel ?? r.destinationLabel ?? r.destination ?? (r.kind === 'read' ? CACHE_DESTINATION_LABEL : '?'),
    status: STATUS[r.status] ?? 'Failed',
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs,
    strategy: r.strategy,
    runsOn: runsOnText(r),
    streams,
    throughput: [
      { t: 0, sent: 0, confirmed: 0 },
      { t: Math.max(durationMs, 1), sent: r.recordsSent, confirmed: r.recordsConfirmed },
    ],
    error: r.error ? { message: r.error } : undefined,
    logTail: [],
  };
}

/** Puts a finished run's view on run history's clock (start, end, duration); false when the record has not ended. */
export function timeFromRecord(view: RunView, r: Pick<RunRecord, 'startedAt' | 'endedAt'>): boolean {
  if (r.endedAt === undefined || view.status === 'Running') return false;
  view.startedAt = r.startedAt;
  view.endedAt = r.endedAt;
  view.durationMs = r.endedAt - r.startedAt;
  const last = view.throughput[view.throughput.length - 1];
  if (last && last.t > view.durationMs) last.t = Math.max(view.durationMs, 1);
  return true;
}

/** Final per-stream counts and states from the write's result, which are authoritative over the last progress event. */
export function applyWriteResult(view: RunView, result: WriteResult): RunView {
  for (const s of result.streams) {
    let row = view.streams.find((r) => r.name === s.stream);
    if (!row) {
      row = { name: s.stream, read: 0, sent: 0, confirmed: 0, phase: 'complete', strategy: view.strategy };
      view.streams.push(row);
    }
    row.read = s.recordsRead;
    row.sent = s.recordsSent;
    row.confirmed = s.recordsConfirmed;
    row.destinationSyncMode = s.destinationSyncMode ?? row.destinationSyncMode;
    row.syncMode = s.syncMode;
    row.phase = s.status;
  }
  for (const state of result.finalState) {
    const key = state.stream && streamKey(state.stream.stream_descriptor);
    const row = key ? view.streams.find((r) => r.name === key) : undefined;
    if (row) row.state = summarizeState(state.stream?.stream_state);
  }
  return view;
}

/** One short line for a stream's committed state: `updated_at = 25`, never the whole blob. */
export function summarizeState(state: unknown): string | undefined {
  if (state === null || state === undefined) return undefined;
  if (typeof state !== 'object') return String(state);
  const entries = Object.entries(state as Record<string, unknown>).filter(([, v]) => typeof v !== 'object' || v === null);
  if (entries.length === 0) return JSON.stringify(state).slice(0, 80);
  return entries
    .slice(0, 3)
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join(', ');
}

/** Where the run's connectors ran (`Ran on: source docker tcp://…, destination in process`), when recorded. */
export function runsOnText(r: Pick<RunRecord, 'sourceRunsOn' | 'destinationRunsOn'>): string | undefined {
  const sides = [
    r.sourceRunsOn ? `source ${r.sourceRunsOn}` : undefined,
    r.destinationRunsOn ? `destination ${r.destinationRunsOn}` : undefined,
  ].filter(Boolean);
  return sides.length ? `Ran on: ${sides.join(', ')}` : undefined;
}
