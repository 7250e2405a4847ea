// Runs one sync at a time for the extension: a progress notification with per-stream counts and
// Cancel (→ AbortSignal → containers removed), connector logs streamed live into the Airbyte
// Connectors channel, a status bar item while it runs, live updates of the Syncs view and of the
// run details panel, and the failure shown with the connector's own message and "Show Logs".
import * as vscode from 'vscode';
import type { RunView } from '../shared/runDetailsProtocol';
import { formatCount } from '../shared/format';
import { abortSignalFrom } from './cancellation';
import type { WriteStrategy } from '../core/write/writeStrategy';
import type { Config } from './config';
import { primaryFolder } from './config';
import type { CoreServices, WriteOutcome } from './coreServices';
import type { OutputChannels } from './outputChannels';
import type { RunDetailsPanels } from './runDetailsPanel';
import { appendLog, applyProgress, finishRunView, labelOfRef, newRunView, runViewFromRecord, summarizeState } from './runViewModel';
import { asAirbyteError, describeError, isCancellation } from './showError';
import { relativeTime } from './syncHistory';
import type { SyncPair, SyncsTree } from './syncsTree';

export type { WriteOutcome } from './coreServices';

/** The argument object of `airbyte.writeToDestination` (skips the quick picks). */
export interface WriteArgs {
  /** A `*.airbyte.jsonc` path (absolute or relative to the workspace folder) or `cache:<runId>`. */
  source?: string;
  destination?: string;
  streams?: string[];
  strategy?: WriteStrategy;
  fullRefresh?: boolean;
}

interface ActiveRun {
  view: RunView;
  args: WriteArgs;
  controller: AbortController;
  sourceId?: string;
  destinationId?: string;
  done: Promise<unknown>;
}

export interface SyncRunnerOptions {
  config: Config;
  channels: OutputChannels;
  services: () => Promise<CoreServices>;
  panels: RunDetailsPanels;
  syncsTree: SyncsTree;
}

const PANEL_UPDATE_MS = 250;

export class SyncRunner implements vscode.Disposable {
  private active: ActiveRun | undefined;
  /** Runs of this session (live samples and log tails the store does not keep), by run id. */
  private readonly finished = new Map<string, { view: RunView; args: WriteArgs }>();
  private readonly statusItem = vscode.window.createStatusBarItem('airbyte.sync', vscode.StatusBarAlignment.Left, 10);
  private panelTimer: NodeJS.Timeout | undefined;
  private attempts = 0;

  constructor(private readonly options: SyncRunnerOptions) {
    this.statusItem.name = 'Airbyte Sync';
    this.statusItem.command = { command: 'airbyte.openRunDetails', title: 'Open Run Details' };
  }

  /** The run in progress, for the Syncs view. */
  get liveRun(): { view: RunView; sourceId?: string; destinationId?: string } | undefined {
    return this.active;
  }

  /** Finished runs of this session that the store never recorded (ended before the run began), newest first. */
  get unrecordedRuns(): RunView[] {
    return [...this.finished.values()]
      .map((f) => f.view)
      .filter((v) => !/^\d+$/.test(v.runId))
      .reverse();
  }

  /** The status bar text while a sync runs (tests). */
  get statusText(): string | undefined {
    return this.active ? this.statusItem.text : undefined;
  }

  /** Writes `args.source` into `args.destination`. Resolves to the result, or undefined when cancelled; throws on failure. */
  async write(args: WriteArgs): Promise<WriteOutcome | undefined> {
    if (this.active) {
      throw new Error(
        `A sync is already running (${this.active.view.source} → ${this.active.view.destination}). Cancel it (Airbyte: Cancel Sync) or wait for it to finish.`,
      );
    }
    if (!args.source || !args.destination) throw new Error('Write to Destination needs a source and a destination.');
    const folder = primaryFolder(args.source.startsWith('cache:') ? vscode.Uri.file(args.destination) : vscode.Uri.file(args.source));
    if (!folder) throw new Error('Open a folder first: sync state and run history are kept in the workspace.');
    const services = await this.options.services();
    const { channels } = this.options;
    const strategy = args.strategy ?? this.options.config.defaultWriteStrategy;
    // A run has no store id until the core begins it; until then (and forever if it ends first) it has a session id.
    const view = newRunView({
      runId: `attempt-${++this.attempts}`,
      source: labelOfRef(args.source),
      destination: labelOfRef(args.destination),
      strategy,
      streams: args.streams,
    });
    const controller = new AbortController();
    let resolveDone!: () => void;
    const active: ActiveRun = { view, args, controller, done: new Promise<void>((r) => (resolveDone = r)) };
    this.active = active;
    void vscode.commands.executeCommand('setContext', 'airbyte.syncRunning', true);
    this.updateStatusBar();
    this.statusItem.show();
    channels.connectorHeading(
      `write ${view.source} → ${view.destination} (${strategy}${args.fullRefresh ? ', full refresh' : ''}) at ${new Date().toLocaleTimeString()}`,
    );
    channels.log.info(
      `Write ${args.source} → ${args.destination}, streams ${args.streams?.join(', ') ?? 'all'}, strategy ${strategy}${args.fullRefresh ? ', full refresh' : ''}`,
    );
    this.options.syncsTree.refresher.refresh();
    // The clock keeps moving while a connector is quiet (a slow source, a destination flushing).
    const ticker = setInterval(() => {
      view.durationMs = Date.now() - view.startedAt;
      this.schedulePanelUpdate();
      this.options.syncsTree.refresher.refreshSoon(1000);
    }, 1000);

    try {
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Airbyte: ${view.source} → ${view.destination}`, cancellable: true },
        async (progress, token) => {
          const { signal, dispose } = abortSignalFrom(token, controller.signal);
          let reported = 0;
          const readRuns = new Set<number>();
          try {
            return await services.runWrite({
              source: args.source!,
              destination: args.destination!,
              streams: args.streams,
              strategy,
              fullRefresh: args.fullRefresh === true,
              folder,
              signal,
              onIdentities: (sourceId, destinationId) => {
                active.sourceId = sourceId;
                active.destinationId = destinationId;
                const labels = this.options.syncsTree.labels;
                // A cached read keeps the label and config path of the source config it was read with.
                if (!args.source!.startsWith('cache:')) {
                  labels.set(sourceId, view.source);
                  labels.setPath(sourceId, args.source!);
                }
                labels.set(destinationId, view.destination);
                labels.setPath(destinationId, args.destination!);
                this.options.syncsTree.refresher.refreshSoon();
              },
              onLog: (connector, line) => {
                channels.connectorLog(connector, line);
                appendLog(view, [`[${connector}] ${line.text}`]);
                this.schedulePanelUpdate();
              },
              onProgress: (p) => {
                if (p.phase === 'reading' && p.runId > 0 && active.destinationId && !readRuns.has(p.runId)) {
                  readRuns.add(p.runId);
                  this.options.syncsTree.labels.setReadDestination(p.runId, { id: active.destinationId, name: view.destination });
                }
                const previousId = view.runId;
                applyProgress(view, p);
                if (previousId !== view.runId) this.options.panels.rekey(previousId, view.runId);
                const fraction = p.expectedRecords ? Math.min(1, p.recordsSent / p.expectedRecords) : undefined;
                const increment = fraction !== undefined ? Math.max(0, Math.round(fraction * 100) - reported) : undefined;
                if (increment) reported += increment;
                progress.report({ message: progressMessage(view, p.phase), increment });
                this.updateStatusBar();
                this.schedulePanelUpdate();
                this.options.syncsTree.refresher.refreshSoon();
              },
            });
          } finally {
            dispose();
          }
        },
      );
      finishRunView(view, 'Succeeded');
      const before = view.runId;
      applyOutcomeCounts(view, outcome);
      this.options.panels.rekey(before, view.runId);
      channels.log.info(`Write ${view.source} → ${view.destination} succeeded: ${summary(view)}`);
      void vscode.window
        .showInformationMessage(`Airbyte: ${view.source} → ${view.destination} succeeded — ${summary(view)}.`, 'Open Run Details')
        .then((choice) => {
          if (choice) void this.openDetails({ runId: view.runId });
        });
      return outcome;
    } catch (error) {
      if (isCancellation(error)) {
        finishRunView(view, 'Cancelled');
        channels.log.info(`Write ${view.source} → ${view.destination} cancelled; state stays at what the destination confirmed.`);
        void vscode.window.showInformationMessage(
          `Airbyte: ${view.source} → ${view.destination} was cancelled. Nothing past the last confirmed state was recorded.`,
        );
        return undefined;
      }
      const ae = asAirbyteError(error);
      finishRunView(view, 'Failed', Date.now(), ae ?? { message: describeError(error) });
      throw error;
    } finally {
      clearInterval(ticker);
      this.finished.set(view.runId, { view, args });
      this.active = undefined;
      resolveDone();
      this.statusItem.hide();
      void vscode.commands.executeCommand('setContext', 'airbyte.syncRunning', false);
      this.flushPanel(view);
      this.options.syncsTree.reload();
    }
  }

  /** Cancels the running sync (the given run only, when an id is given). Resolves once it stopped. */
  async cancel(runId?: string): Promise<boolean> {
    const active = this.active;
    if (!active || (runId !== undefined && runId !== active.view.runId)) {
      if (runId === undefined) void vscode.window.showInformationMessage('No sync is running.');
      return false;
    }
    this.options.channels.log.info(`Cancelling ${active.view.source} → ${active.view.destination}…`);
    active.controller.abort();
    await active.done;
    return true;
  }

  /** Cancels and waits (deactivation). */
  async cancelAndWait(): Promise<void> {
    if (this.active) await this.cancel();
  }

  /** A run's view: the live one, one from this session, or rebuilt from the store. */
  async runView(runId: string, folderUri?: string): Promise<RunView | undefined> {
    if (this.active?.view.runId === runId) return this.active.view;
    const known = this.finished.get(runId);
    if (known) return known.view;
    const id = Number(runId);
    if (!Number.isInteger(id)) return undefined;
    const services = await this.options.services();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => !folderUri || f.uri.toString() === folderUri);
    for (const folder of folders) {
      try {
        const store = await services.openStore(folder, false);
        try {
          const record = store.getRun(id);
          if (record) {
            const labels = this.options.syncsTree.labels;
            return runViewFromRecord(record, {
              source: labels.get(record.sourceId),
              destination: record.destinationId ? labels.get(record.destinationId) : undefined,
            });
          }
        } finally {
          await store.close();
        }
      } catch (error) {
        this.options.channels.log.warn(`Run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return undefined;
  }

  /** "Open Run Details" for a run id, a Syncs tree item, or (no argument) the running or last run. */
  async openDetails(arg?: unknown): Promise<vscode.WebviewPanel | undefined> {
    let runId: string | undefined;
    let folder: string | undefined;
    if (typeof arg === 'string') runId = arg;
    else if (typeof arg === 'object' && arg !== null) {
      const o = arg as { runId?: unknown; folder?: unknown; run?: { id?: unknown; runId?: unknown }; pair?: SyncPair; kind?: string };
      if (typeof o.runId === 'string' || typeof o.runId === 'number') runId = String(o.runId);
      else if (o.kind === 'live' && o.run && typeof o.run.runId === 'string') runId = o.run.runId;
      else if (o.run && (typeof o.run.id === 'number' || typeof o.run.id === 'string')) runId = String(o.run.id);
      else if (o.pair?.runs[0]) runId = String(o.pair.runs[0].id);
      if (typeof o.folder === 'string') folder = o.folder;
      else if (o.pair) folder = o.pair.folder.uri.toString();
    }
    runId ??= this.active?.view.runId ?? [...this.finished.keys()].pop();
    if (!runId) {
      const pairs = await this.options.syncsTree.loadPairs();
      const picked = await vscode.window.showQuickPick(
        pairs.flatMap((p) =>
          p.runs.slice(0, 5).map((r) => ({
            label: `${p.source} → ${p.destination}`,
            description: `#${r.id} ${r.status}`,
            detail: new Date(r.startedAt).toLocaleString(),
            runId: String(r.id),
            folder: p.folder.uri.toString(),
          })),
        ),
        { title: 'Open Run Details', placeHolder: 'Which run?' },
      );
      if (!picked) return undefined;
      runId = picked.runId;
      folder = picked.folder;
    }
    const view = await this.runView(runId, folder);
    if (!view) throw new Error(`Run ${runId} is not in the run history of this workspace.`);
    return this.options.panels.open(view);
  }

  /** The arguments a past run was started with (for "Run Again"): this session's, else its pair's config files. */
  async argsOfRun(runId: string): Promise<WriteArgs | undefined> {
    const known = this.finished.get(runId)?.args;
    if (known) return known;
    const pairs = await this.options.syncsTree.loadPairs();
    const pair = pairs.find((p) => p.runs.some((r) => String(r.id) === runId));
    if (!pair) return undefined;
    const run = pair.runs.find((r) => String(r.id) === runId)!;
    const args = await this.argsOfPair(pair);
    return {
      ...args,
      streams: run.streams.length ? run.streams : undefined,
      strategy: (run.strategy as WriteStrategy | undefined) ?? undefined,
    };
  }

  /** The config files a pair was last written from (for "Write to Destination" on a Syncs item). */
  async argsOfPair(pair: SyncPair): Promise<WriteArgs> {
    const labels = this.options.syncsTree.labels;
    const exists = async (file: string | undefined) => {
      if (!file) return undefined;
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(file));
        return file;
      } catch {
        return undefined;
      }
    };
    return { source: await exists(labels.path(pair.sourceId)), destination: await exists(labels.path(pair.destinationId)) };
  }

  /** Streams a source offers (discover, or a cached read's streams) for the streams quick pick. */
  async listStreams(source: string, signal: AbortSignal): Promise<{ name: string; description?: string }[]> {
    const services = await this.options.services();
    return services.listStreams(source, signal, vscode.workspace.workspaceFolders ?? []);
  }

  /**
   * Cached reads that can be written again (`cache:<runId>`), labelled with the source config they
   * were read with (when known), their streams and cached record counts, and their age.
   */
  async cachedReads(): Promise<{ runId: string; label: string; description: string; detail: string }[]> {
    const services = await this.options.services();
    const labels = this.options.syncsTree.labels;
    const out: { runId: string; label: string; description: string; detail: string }[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      let reads;
      try {
        reads = await services.cachedReads(folder);
      } catch (error) {
        // An unreadable store must not hide the source configs in the same quick pick.
        this.options.channels.log.warn(`Cached reads of ${folder.name}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      for (const r of reads) {
        const name = labels.get(r.sourceId);
        out.push({
          runId: String(r.runId),
          label: `${name ?? r.source} (read #${r.runId})`,
          description: `${formatCount(r.cachedRecords)} records · ${relativeTime(r.endedAt ?? r.startedAt)}`,
          detail: `${name ? `${r.source} · ` : ''}${r.streams.map((s) => `${s.stream} ${formatCount(s.cachedRecords)}`).join(', ')}`,
        });
      }
    }
    return out;
  }

  private updateStatusBar(): void {
    const a = this.active;
    if (!a) return;
    const reading = a.view.phase === undefined || a.view.phase === 'preparing' || a.view.phase === 'reading';
    const count = a.view.streams.reduce((n, s) => n + (reading ? s.read : s.sent), 0);
    this.statusItem.text = `$(sync~spin) Airbyte: ${a.view.source} → ${a.view.destination} · ${formatCount(count)} ${reading ? 'read' : 'sent'}`;
    this.statusItem.tooltip = `Writing ${a.view.source} → ${a.view.destination}. Click for run details; "Airbyte: Cancel Sync" stops it.`;
  }

  private schedulePanelUpdate(): void {
    if (this.panelTimer || !this.active) return;
    const view = this.active.view;
    this.panelTimer = setTimeout(() => {
      this.panelTimer = undefined;
      this.flushPanel(view);
    }, PANEL_UPDATE_MS);
  }

  private flushPanel(view: RunView): void {
    this.options.panels.post(view.runId, { type: 'snapshot', run: view });
  }

  dispose(): void {
    if (this.panelTimer) clearTimeout(this.panelTimer);
    this.active?.controller.abort();
    this.statusItem.dispose();
  }
}

function progressMessage(view: RunView, phase: string): string {
  const parts = view.streams.filter((s) => s.read > 0 || s.sent > 0).map((s) => `${s.name} ${formatCount(s.sent)}/${formatCount(s.read)}`);
  return `${phase}${parts.length ? ` — ${parts.join(', ')}` : ''}`;
}

function summary(view: RunView): string {
  const confirmed = view.streams.reduce((n, s) => n + s.confirmed, 0);
  const sent = view.streams.reduce((n, s) => n + s.sent, 0);
  return `${formatCount(confirmed)} records confirmed (${formatCount(sent)} sent) in ${view.streams.length} stream(s)`;
}

/** Final per-stream counts from the result, which are authoritative over the last progress event. */
function applyOutcomeCounts(view: RunView, outcome: WriteOutcome | undefined): void {
  if (!outcome) return;
  if (outcome.runId) view.runId = String(outcome.runId);
  for (const s of outcome.streams) {
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
  for (const state of outcome.finalState) {
    const stream = state.stream?.stream_descriptor.name;
    const row = stream ? view.streams.find((r) => r.name === stream || r.name.endsWith(`.${stream}`)) : undefined;
    if (row) row.state = summarizeState(state.stream?.stream_state);
  }
}
