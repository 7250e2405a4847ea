// Runs one sync at a time for the extension: a progress notification with per-stream counts and
// Cancel (→ AbortSignal → containers removed), connector logs streamed live into the Airbyte
// Connectors channel, a status bar item while it runs, live updates of the Syncs view and of the
// run details panels, and the failure shown with the connector's own message and "Show Logs".
// Every run is named and placed by what the core announces (RunStarted) and records (run history).
import * as vscode from 'vscode';
import { AirbyteError } from '../core/errors';
import type { WriteProgress } from '../core/write/progressTracker';
import type { RunStarted } from '../core/write/runEvents';
import type { WriteStrategy } from '../core/write/writeStrategy';
import { formatCount } from '../shared/format';
import type { RunView } from '../shared/runDetailsProtocol';
import { abortSignalFrom } from './cancellation';
import type { Config } from './config';
import { primaryFolder } from './config';
import type { CoreServices, ListedStream, WriteOutcome } from './coreServices';
import type { LiveRun, SyncRequest } from './liveSync';
import { LiveSync, runSummary } from './liveSync';
import type { OutputChannels } from './outputChannels';
import type { RunDetailsPanels } from './runDetailsPanel';
import { applyWriteResult, runViewFromRecord, timeFromRecord } from './runViewModel';
import { asAirbyteError, describeError, isCancellation } from './showError';
import { relativeTime } from './syncHistory';
import type { CachedReadsTree } from './cachedReadsTree';
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

export interface SyncRunnerOptions {
  config: Config;
  channels: OutputChannels;
  services: () => Promise<CoreServices>;
  panels: RunDetailsPanels;
  syncsTree: SyncsTree;
  /** Shows the read of a write through the cache live while it runs. */
  cachedReadsTree?: CachedReadsTree;
}

/** A cached read offered as the source of a write (`cache:<runId>`). */
export interface CachedReadItem {
  runId: string;
  label: string;
  description: string;
  detail: string;
}

const PANEL_UPDATE_MS = 250;

export class SyncRunner implements vscode.Disposable {
  private active: LiveSync | undefined;
  /** Runs of this session (live samples and log tails the store does not keep), by run id. */
  private readonly finished = new Map<string, { view: RunView; args: WriteArgs }>();
  /** Runs made elsewhere (jobs on the Airbyte platform) shown in run details, by run id. */
  private readonly external = new Map<string, RunView>();
  private readonly statusItem = vscode.window.createStatusBarItem('airbyte.sync', vscode.StatusBarAlignment.Left, 10);
  private panelTimer: NodeJS.Timeout | undefined;
  /** The read of the running write through the cache is shown live in the Cached Reads view. */
  private showsLiveRead = false;

  constructor(private readonly options: SyncRunnerOptions) {
    this.statusItem.name = 'Airbyte Sync';
    this.statusItem.command = { command: 'airbyte.openRunDetails', title: 'Open Run Details' };
  }

  /** True from the moment a sync is asked for until it ended. */
  get running(): boolean {
    return this.active !== undefined;
  }

  /** The run in progress, once the core started it (the Syncs view places it by its identities). */
  get liveRun(): LiveRun | undefined {
    return this.active?.current;
  }

  /** The status bar text while a sync runs (tests). */
  get statusText(): string | undefined {
    return this.active ? this.statusItem.text : undefined;
  }

  /** Writes `args.source` into `args.destination`. Resolves to the result, or undefined when cancelled; throws on failure. */
  async write(args: WriteArgs): Promise<WriteOutcome | undefined> {
    const request = this.requestOf(args);
    const services = await this.options.services();
    if (this.active) throw busyError(this.active);
    const folder = this.folderOf(request, services);
    const sync = new LiveSync(request, `${services.refLabel(request.source)} → ${services.refLabel(request.destination)}`);
    this.begin(sync, args);
    try {
      const outcome = await this.run(sync, services, folder);
      this.succeeded(sync, outcome);
      return outcome;
    } catch (error) {
      if (!isCancellation(error)) {
        sync.finish('Failed', asAirbyteError(error) ?? { message: describeError(error) });
        throw error;
      }
      sync.finish('Cancelled');
      this.options.channels.log.info(`Write ${sync.name} cancelled; state stays at what the destination confirmed.`);
      void vscode.window.showInformationMessage(`Airbyte: ${sync.name} was cancelled. Nothing past the last confirmed state was recorded.`);
      return undefined;
    } finally {
      this.end(sync, args);
      await this.timeFromStore(sync, folder);
    }
  }

  /**
   * One clock: a finished run's start, end and duration are the ones run history recorded, which
   * the Syncs view shows too (the live views ran on this host's clock, ended when the sync ended).
   */
  private async timeFromStore(sync: LiveSync, folder: vscode.WorkspaceFolder): Promise<void> {
    try {
      const store = await (await this.options.services()).openStore(folder, false);
      try {
        for (const { view } of sync.runs) {
          const record = store.runs.get(Number(view.runId));
          if (record && timeFromRecord(view, record)) this.flushPanel(view);
        }
      } finally {
        await store.close();
      }
    } catch (error) {
      this.options.channels.log.warn(`Run times of ${sync.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private requestOf(args: WriteArgs): SyncRequest {
    if (!args.source || !args.destination)
      throw new AirbyteError('USAGE', {
        message: 'Write to Destination needs a source and a destination.',
        guidance: 'Pick a source config (or a cached read) and a destination config.',
      });
    return {
      source: args.source,
      destination: args.destination,
      streams: args.streams,
      strategy: args.strategy ?? this.options.config.defaultWriteStrategy,
      fullRefresh: args.fullRefresh === true,
    };
  }

  /** The workspace folder whose store keeps the run: the source config's (a cached read has none: the destination's). */
  private folderOf(request: SyncRequest, services: CoreServices): vscode.WorkspaceFolder {
    const anchor = services.cachedReadRunId(request.source) === undefined ? request.source : request.destination;
    const folder = primaryFolder(vscode.Uri.file(anchor));
    if (!folder)
      throw new AirbyteError('USAGE', {
        message: 'Open a folder first: sync state and run history are kept in the workspace.',
      });
    return folder;
  }

  private begin(sync: LiveSync, args: WriteArgs): void {
    const { channels } = this.options;
    const { request } = sync;
    this.active = sync;
    void vscode.commands.executeCommand('setContext', 'airbyte.syncRunning', true);
    this.updateStatusBar();
    this.statusItem.show();
    const how = `${request.strategy}${request.fullRefresh ? ', full refresh' : ''}`;
    channels.connectorHeading(`write ${sync.title} (${how}) at ${new Date().toLocaleTimeString()}`);
    channels.log.info(`Write ${request.source} → ${request.destination}, streams ${args.streams?.join(', ') ?? 'all'}, strategy ${how}`);
    this.options.syncsTree.refresher.refresh();
  }

  private async run(sync: LiveSync, services: CoreServices, folder: vscode.WorkspaceFolder): Promise<WriteOutcome> {
    // The clock keeps moving while a connector is quiet (a slow source, a destination flushing).
    const ticker = setInterval(() => {
      sync.tick();
      this.schedulePanelUpdate();
      this.options.syncsTree.refresher.refreshSoon(1000);
    }, 1000);
    const title = `Airbyte: ${sync.title}`;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const { signal, dispose } = abortSignalFrom(token, sync.controller.signal);
          progress.report(sync.progressReport());
          try {
            return await services.runWrite({
              ...sync.request,
              folder,
              signal,
              onRunStarted: (run) => this.onRunStarted(sync, run, (r) => progress.report(r)),
              onProgress: (p) => this.onProgress(sync, p, (r) => progress.report(r)),
              onLog: (connector, line) => {
                this.options.channels.connectorLog(connector, line);
                sync.log(connector, line);
                this.schedulePanelUpdate();
              },
            });
          } finally {
            dispose();
          }
        },
      );
    } finally {
      clearInterval(ticker);
    }
  }

  private onRunStarted(sync: LiveSync, run: RunStarted, report: (r: { message: string }) => void): void {
    const previous = sync.current?.view;
    const { view } = sync.runStarted(run);
    const destination = run.destination ?? run.forDestination;
    this.options.channels.log.info(
      `Run ${run.runId} (${run.kind}) started: ${run.source.label} → ${destination?.label ?? 'cache'}${run.parentReadRunId ? `, fed by run ${run.parentReadRunId}` : ''}`,
    );
    const cachedReads = this.options.cachedReadsTree;
    if (cachedReads && run.kind === 'read') {
      // The read of a write through the cache is a read being written into the cache: it shows live there too.
      this.showsLiveRead = true;
      cachedReads.live = { kind: 'live', label: `${run.source.label} → ${destination?.label ?? 'cache'}`, streams: [] };
      cachedReads.refresher.refresh();
    }
    if (previous) this.flushPanel(previous);
    // Whoever watches a run of this pair (an earlier run, or the read of this write) goes on watching its newest.
    this.options.panels.follow(view);
    report(sync.progressReport());
    this.updateStatusBar();
    this.options.syncsTree.refresher.refreshSoon();
  }

  private onProgress(sync: LiveSync, p: WriteProgress, report: (r: { message: string; increment?: number }) => void): void {
    sync.progress(p);
    const cachedReads = this.options.cachedReadsTree;
    if (cachedReads?.live && this.showsLiveRead) {
      cachedReads.live = { ...cachedReads.live, streams: p.streams.map((s) => ({ stream: s.stream, records: s.recordsRead })) };
      cachedReads.refresher.refreshSoon(500);
    }
    report(sync.progressReport(p));
    this.updateStatusBar();
    this.schedulePanelUpdate();
    this.options.syncsTree.refresher.refreshSoon();
  }

  private succeeded(sync: LiveSync, outcome: WriteOutcome): void {
    sync.finish('Succeeded');
    const view = sync.runs.find((r) => r.view.runId === String(outcome.runId))?.view;
    if (view) applyWriteResult(view, outcome);
    const what = sync.name;
    const summary = view ? runSummary(view) : `${formatCount(outcome.totals.recordsConfirmed)} records confirmed`;
    this.options.channels.log.info(`Write ${what} succeeded: ${summary}`);
    void vscode.window.showInformationMessage(`Airbyte: ${what} succeeded — ${summary}.`, 'Open Run Details').then((choice) => {
      if (choice) void this.openDetails({ runId: String(outcome.runId) });
    });
  }

  private end(sync: LiveSync, args: WriteArgs): void {
    for (const { view } of sync.runs) {
      this.finished.set(view.runId, { view, args });
      this.flushPanel(view);
    }
    this.active = undefined;
    sync.end();
    this.statusItem.hide();
    void vscode.commands.executeCommand('setContext', 'airbyte.syncRunning', false);
    this.options.syncsTree.reload();
    const cachedReads = this.options.cachedReadsTree;
    if (cachedReads && this.showsLiveRead) {
      this.showsLiveRead = false;
      cachedReads.live = undefined;
      cachedReads.reload();
    }
  }

  /** Cancels the running sync (the given run's only, when an id is given). Resolves once it stopped. */
  async cancel(runId?: string): Promise<boolean> {
    const active = this.active;
    if (!active || (runId !== undefined && !active.runs.some((r) => r.view.runId === runId))) {
      if (runId === undefined) void vscode.window.showInformationMessage('No sync is running.');
      return false;
    }
    this.options.channels.log.info(`Cancelling ${active.name}…`);
    active.controller.abort();
    await active.ended;
    return true;
  }

  /** Cancels and waits (deactivation). */
  async cancelAndWait(): Promise<void> {
    if (this.active) await this.cancel();
  }

  /** A run's view: the live one, one from this session, or rebuilt from the store. */
  async runView(runId: string, folderUri?: string): Promise<RunView | undefined> {
    const live = this.active?.runs.find((r) => r.view.runId === runId);
    if (live) return live.view;
    const known = this.finished.get(runId);
    if (known) return known.view;
    const external = this.external.get(runId);
    if (external) return external;
    if (!/^\d+$/.test(runId)) return undefined;
    // The Syncs view's pairs name the destination a read fed, which its own row does not.
    const pairs = await this.options.syncsTree.loadPairs();
    for (const pair of pairs) {
      if (folderUri && pair.folder.uri.toString() !== folderUri) continue;
      const run = pair.runs.find((r) => String(r.id) === runId);
      if (run) return runViewFromRecord(run, run.kind === 'read' && pair.destinationId ? pair.destination : undefined);
    }
    return this.runViewFromStore(Number(runId), folderUri);
  }

  private async runViewFromStore(id: number, folderUri?: string): Promise<RunView | undefined> {
    const services = await this.options.services();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => !folderUri || f.uri.toString() === folderUri);
    for (const folder of folders) {
      try {
        const store = await services.openStore(folder, false);
        try {
          const record = store.runs.get(id);
          if (record) return runViewFromRecord(record);
        } finally {
          await store.close();
        }
      } catch (error) {
        this.options.channels.log.warn(`Run ${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return undefined;
  }

  /** "Open Run Details" for a run id, a Syncs tree item, or (no argument) the running or last run. */
  /** Shows a run made elsewhere (a job on the Airbyte platform) in run details, as it is now. */
  showExternalRun(view: RunView): Promise<vscode.WebviewPanel> {
    this.external.set(view.runId, view);
    return this.options.panels.open(view);
  }

  async openDetails(arg?: unknown): Promise<vscode.WebviewPanel | undefined> {
    let { runId, folder } = runOfArg(arg);
    if (!runId && this.active && !this.active.current) {
      void vscode.window.showInformationMessage('The sync is starting: its run details open once its run has begun.');
      return undefined;
    }
    runId ??= this.active?.current?.view.runId ?? [...this.finished.keys()].pop();
    if (!runId) {
      const picked = await this.pickRun();
      if (!picked) return undefined;
      ({ runId, folder } = picked);
    }
    const view = await this.runView(runId, folder);
    if (!view)
      throw new AirbyteError('USAGE', {
        message: `Run ${runId} is not in the run history of this workspace.`,
        guidance: 'Refresh the Syncs view to see the runs there are.',
        context: { runId },
      });
    return this.options.panels.open(view);
  }

  private async pickRun(): Promise<{ runId: string; folder: string } | undefined> {
    const pairs = await this.options.syncsTree.loadPairs();
    return vscode.window.showQuickPick(
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
  }

  /** The arguments a past run was started with (for "Run Again"): this session's, else its pair's config files. */
  async argsOfRun(runId: string): Promise<WriteArgs | undefined> {
    const known = this.finished.get(runId)?.args;
    if (known) return known;
    const pairs = await this.options.syncsTree.loadPairs();
    const pair = pairs.find((p) => p.runs.some((r) => String(r.id) === runId));
    const run = pair?.runs.find((r) => String(r.id) === runId);
    if (!pair || !run) return undefined;
    return {
      ...(await this.argsOfPair(pair)),
      streams: run.streams.length ? run.streams : undefined,
      strategy: run.strategy as WriteStrategy | undefined,
    };
  }

  /** The config files a pair was last run from, as run history recorded them, when they are still there. */
  async argsOfPair(pair: SyncPair): Promise<WriteArgs> {
    const exists = async (file: string | undefined) => {
      if (!file) return undefined;
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(file));
        return file;
      } catch {
        return undefined;
      }
    };
    return { source: await exists(pair.sourceConfigPath), destination: await exists(pair.destinationConfigPath) };
  }

  /** Streams a source offers (discover, or a cached read's streams) for the streams quick pick. */
  async listStreams(source: string, signal: AbortSignal): Promise<ListedStream[]> {
    const services = await this.options.services();
    const streams = await services.listStreams(source, signal, vscode.workspace.workspaceFolders ?? []);
    this.listed = { source, streams };
    return streams;
  }

  /** The streams last listed for a source (the strategy pick explains each one's outcome from them). */
  listedStreams(source: string): ListedStream[] | undefined {
    return this.listed?.source === source ? this.listed.streams : undefined;
  }

  private listed: { source: string; streams: ListedStream[] } | undefined;

  /**
   * Cached reads that can be written again (`cache:<runId>`), named as run history names their
   * source config, with their streams and cached record counts, and their age.
   */
  async cachedReads(): Promise<CachedReadItem[]> {
    const services = await this.options.services();
    const out: CachedReadItem[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      try {
        for (const r of await services.cachedReads(folder)) {
          // Reads recorded before run history kept labels are named by their connector alone.
          const named = r.sourceLabel !== r.source;
          out.push({
            runId: String(r.runId),
            label: `${r.sourceLabel} (read #${r.runId})`,
            description: `${formatCount(r.cachedRecords)} records · ${relativeTime(r.endedAt ?? r.startedAt)}`,
            detail: `${named ? `${r.source} · ` : ''}${r.streams.map((s) => `${s.stream} ${formatCount(s.cachedRecords)}`).join(', ')}`,
          });
        }
      } catch (error) {
        // An unreadable store must not hide the source configs in the same quick pick.
        this.options.channels.log.warn(`Cached reads of ${folder.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return out;
  }

  private updateStatusBar(): void {
    const sync = this.active;
    if (!sync) return;
    this.statusItem.text = sync.statusText();
    const current = sync.current;
    const view = current?.view;
    this.statusItem.tooltip = view
      ? `Writing ${view.source} → ${view.destination}.${current.runsOn ? ` ${current.runsOn}.` : ''} Click for run details; "Airbyte: Cancel Sync" stops it.`
      : `Starting ${sync.title}. "Airbyte: Cancel Sync" stops it.`;
  }

  private schedulePanelUpdate(): void {
    if (this.panelTimer || !this.active) return;
    const sync = this.active;
    this.panelTimer = setTimeout(() => {
      this.panelTimer = undefined;
      for (const { view } of sync.runs) this.flushPanel(view);
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

function busyError(active: LiveSync): AirbyteError {
  return new AirbyteError('USAGE', {
    message: `A sync is already running (${active.name}).`,
    guidance: 'Cancel it (Airbyte: Cancel Sync) or wait for it to finish.',
  });
}

/** The run an "Open Run Details" argument names: a run id, a Syncs tree item, or a run details link. */
function runOfArg(arg: unknown): { runId?: string; folder?: string } {
  if (typeof arg === 'string') return { runId: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const o = arg as { runId?: unknown; folder?: unknown; run?: { id?: unknown; runId?: unknown }; pair?: SyncPair; kind?: string };
  let runId: string | undefined;
  if (typeof o.runId === 'string' || typeof o.runId === 'number') runId = String(o.runId);
  else if (o.kind === 'live' && o.run && typeof o.run.runId === 'string') runId = o.run.runId;
  else if (o.run && (typeof o.run.id === 'number' || typeof o.run.id === 'string')) runId = String(o.run.id);
  else if (o.pair?.runs[0]) runId = String(o.pair.runs[0].id);
  const folder = typeof o.folder === 'string' ? o.folder : o.pair?.folder.uri.toString();
  return { runId, folder };
}
