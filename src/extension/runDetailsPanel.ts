// The run details webview panel: one panel per run, updated live by the sync runner through the
// typed protocol in src/shared/runDetailsProtocol.ts. Strict CSP (default-src 'none', a script
// nonce), resources only from the bundled webview folder. When hidden the webview keeps its own
// state (setState); when restored after a reload it asks for a snapshot, which the host rebuilds
// from the store.
import * as vscode from 'vscode';
import type { HostToWebviewMessage, RunView, WebviewToHostMessage } from '../shared/runDetailsProtocol';
import { isWebviewToHostMessage, RUN_DETAILS_VIEW_TYPE, runTitle } from '../shared/runDetailsProtocol';
import { webviewDocument } from './webviewDocument';

export interface RunDetailsHost {
  /** The current view of a run (live or from the store). */
  runView(runId: string): Promise<RunView | undefined>;
  cancel(runId: string): Promise<unknown>;
  rerun(runId: string): Promise<void>;
  showLogs(): void;
  /** Opens the Records Preview of what the run's destination wrote locally. */
  previewDestination(runId: string): Promise<void>;
}

export function panelTitle(run: Pick<RunView, 'runId' | 'source' | 'destination'>): string {
  return runTitle(run);
}

/** A panel and the run it shows now: following its pair, it moves on to the pair's newest run. */
interface Shown {
  panel: vscode.WebviewPanel;
  runId: string;
  pairKey?: string;
}

export class RunDetailsPanels implements vscode.Disposable {
  /** One panel per run, by the run id the core gave it. */
  private readonly panels = new Map<string, Shown>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly webviewRoot: vscode.Uri;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: RunDetailsHost,
  ) {
    this.webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(RUN_DETAILS_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const runId = (state as { run?: RunView } | undefined)?.run?.runId;
          if (!runId) {
            panel.dispose();
            return;
          }
          const run = await this.host.runView(runId);
          this.adopt(panel, runId, run?.pairKey);
          if (run) this.post(runId, { type: 'snapshot', run });
        },
      }),
    );
  }

  /** Opens (or reveals) the panel of a run and sends it the current snapshot. */
  async open(run: RunView, preserveFocus = false, viewColumn = vscode.ViewColumn.Active): Promise<vscode.WebviewPanel> {
    let panel = this.panels.get(run.runId)?.panel;
    if (panel) {
      panel.reveal(undefined, preserveFocus);
    } else {
      panel = vscode.window.createWebviewPanel(RUN_DETAILS_VIEW_TYPE, panelTitle(run), { viewColumn, preserveFocus }, this.options());
      this.adopt(panel, run.runId, run.pairKey);
    }
    panel.title = panelTitle(run);
    this.post(run.runId, { type: 'snapshot', run });
    return panel;
  }

  /**
   * A run of a pair began (a rerun, "Run Again", the write after its read): a panel showing an
   * earlier run of that pair moves on to it, titled with its number, so what is on screen is the
   * pair's newest run. A panel of a run still going stays (another sync cannot start meanwhile).
   */
  follow(next: RunView): void {
    if (!next.pairKey || this.panels.has(next.runId)) return;
    const shown = [...this.panels.values()].find((s) => s.pairKey === next.pairKey);
    if (!shown) return;
    this.panels.delete(shown.runId);
    shown.runId = next.runId;
    this.panels.set(next.runId, shown);
    shown.panel.title = panelTitle(next);
    this.post(next.runId, { type: 'snapshot', run: next });
  }

  isOpen(runId: string): boolean {
    return this.panels.has(runId);
  }

  /** The panel of a run, for tests. */
  panel(runId: string): vscode.WebviewPanel | undefined {
    return this.panels.get(runId)?.panel;
  }

  /** Sends a message to a run's panel when it is open (a hidden panel gets it when shown: its state is rebuilt from a snapshot). */
  post(runId: string, message: HostToWebviewMessage): void {
    const shown = this.panels.get(runId);
    if (shown) void shown.panel.webview.postMessage(message);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [this.webviewRoot], retainContextWhenHidden: false, enableFindWidget: true };
  }

  private adopt(panel: vscode.WebviewPanel, runId: string, pairKey: string | undefined): void {
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'airbyte-file.svg');
    panel.webview.html = this.html(panel.webview, runId);
    // `shown.runId` moves on when the panel follows its pair: handlers read it, never a copy.
    const shown: Shown = { panel, runId, pairKey };
    this.panels.set(runId, shown);
    const subscriptions = [
      panel.webview.onDidReceiveMessage(async (message: unknown) => {
        if (!isWebviewToHostMessage(message)) return;
        await this.onMessage(shown.runId, message);
      }),
      panel.onDidChangeViewState((e) => {
        // A webview that was hidden lost its DOM: give it the latest snapshot right away.
        const id = shown.runId;
        if (e.webviewPanel.visible) void this.host.runView(id).then((run) => run && this.post(id, { type: 'snapshot', run }));
      }),
    ];
    panel.onDidDispose(() => {
      if (this.panels.get(shown.runId) === shown) this.panels.delete(shown.runId);
      for (const s of subscriptions) s.dispose();
    });
  }

  private async onMessage(runId: string, message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        const run = await this.host.runView(runId);
        if (run) this.post(runId, { type: 'snapshot', run });
        break;
      }
      case 'showLogs':
        this.host.showLogs();
        break;
      case 'cancel':
        await this.host.cancel(message.runId);
        break;
      case 'rerun':
        await this.host.rerun(message.runId);
        break;
      case 'previewDestination':
        await this.host.previewDestination(message.runId);
        break;
    }
  }

  private html(webview: vscode.Webview, runId: string): string {
    return webviewDocument(webview, {
      root: this.webviewRoot,
      script: 'main.js',
      stylesheet: 'styles.css',
      title: 'Airbyte Run',
      bodyAttributes: `data-run-id="${escapeAttr(runId)}"`,
      body: `  <p id="placeholder">Loading run ${escapeHtml(runId)}…</p>
  <main id="run" hidden>
    <header>
      <h1 id="run-title"></h1>
      <span id="run-status" class="status" role="status"></span>
      <vscode-progress-ring id="run-spinner" hidden></vscode-progress-ring>
      <span class="actions">
        <vscode-button id="cancel-button" appearance="secondary" hidden>Cancel</vscode-button>
        <vscode-button id="rerun-button" appearance="secondary" hidden>Run Again</vscode-button>
        <vscode-button id="logs-button" appearance="secondary">Show Logs</vscode-button>
        <vscode-button id="preview-destination-button" appearance="secondary" hidden>Preview Destination</vscode-button>
      </span>
    </header>
    <p id="run-facts" class="facts"></p>
    <section id="run-error" role="alert" hidden></section>
    <h2>Streams</h2>
    <p id="totals" class="facts"></p>
    <vscode-data-grid id="streams-table" aria-label="Streams"></vscode-data-grid>
    <p id="empty-streams" class="facts" hidden>No streams yet.</p>
    <h2>Throughput</h2>
    <p class="legend"><span class="sent">━ sent</span> · <span class="confirmed">┅ confirmed</span> (records/s) <span id="chart-caption"></span></p>
    <div id="throughput-chart"></div>
    <h2>Connector log (last lines)</h2>
    <pre id="log-tail"></pre>
  </main>`,
    });
  }

  dispose(): void {
    for (const s of this.panels.values()) s.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function escapeAttr(s: string): string {
  return escapeHtml(s);
}
