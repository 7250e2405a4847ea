// The Records Preview: a webview data grid over one stream (or table) of a PreviewSource. Pages are
// read on demand on the extension host; the filter runs there over the whole stream with progress
// and Cancel; copy and export write the rows shown or the whole stream as JSON lines or CSV. Same
// strict CSP as the run details (default-src 'none', a script nonce, resources from dist/webview).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isAirbyteError } from '../core/errors';
import type { ExportFormat } from '../core/readResults/recordExport';
import { exportRows, formatRecords } from '../core/readResults/recordExport';
import type { HostToPreviewMessage, PreviewState, PreviewToHostMessage } from '../shared/recordsPreviewProtocol';
import { isPreviewToHostMessage, PREVIEW_PAGE_SIZE, RECORDS_PREVIEW_VIEW_TYPE } from '../shared/recordsPreviewProtocol';
import { formatCount } from '../shared/format';
import type { PreviewSource } from './previewSources';
import { webviewDocument } from './webviewDocument';

interface FilterInEffect {
  query: string;
  positions: number[];
  matched: number;
  truncated: boolean;
}

/** One open preview: its source, the stream shown, the filter in effect and the page shown. */
export class RecordsPreview implements vscode.Disposable {
  private stream: string;
  private filterState: FilterInEffect | undefined;
  private running: AbortController | undefined;
  private shown: PreviewState | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly source: PreviewSource,
    stream: string | undefined,
    extensionUri: vscode.Uri,
  ) {
    this.stream = stream && source.streams.includes(stream) ? stream : source.streams[0];
    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'airbyte-file.svg');
    panel.webview.html = previewHtml(panel.webview, root);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isPreviewToHostMessage(m)) void this.onMessage(m);
      }),
    );
  }

  /** What the grid shows now (tests read it as the user sees it). */
  get state(): PreviewState | undefined {
    return this.shown;
  }

  /** Shows a stream from its first record, without a filter. */
  async showStream(stream: string): Promise<PreviewState> {
    this.cancelFilter();
    this.stream = stream;
    this.filterState = undefined;
    return this.goTo(0);
  }

  /** Shows the page starting at `offset` (clamped to the stream or to the filtered records). */
  async goTo(offset: number): Promise<PreviewState> {
    const f = this.filterState;
    const total = f ? f.positions.length : await this.source.total(this.stream);
    const start = Math.max(0, Math.min(offset, total === undefined ? offset : Math.max(0, total - 1)));
    const rows = f
      ? await this.source.rowsAt(this.stream, f.positions.slice(start, start + PREVIEW_PAGE_SIZE))
      : await this.source.page(this.stream, start, PREVIEW_PAGE_SIZE);
    this.shown = {
      title: this.source.title,
      streams: this.source.streams,
      stream: this.stream,
      columns: await this.source.columns(this.stream),
      total: await this.source.total(this.stream),
      ...(f ? { filter: { query: f.query, matched: f.matched, truncated: f.truncated } } : {}),
      offset: start,
      rows,
      canFilter: true,
    };
    this.post({ type: 'state', state: this.shown });
    return this.shown;
  }

  /** Filters the whole stream (empty: no filter), telling the webview its progress; resolves once done or cancelled. */
  async applyFilter(query: string): Promise<PreviewState | undefined> {
    this.cancelFilter();
    if (query.trim() === '') {
      this.filterState = undefined;
      return this.goTo(0);
    }
    const controller = new AbortController();
    this.running = controller;
    this.post({ type: 'busy', text: `Filtering ${this.stream}…` });
    try {
      const result = await this.source.filter(this.stream, query, controller.signal, (p) => this.post({ type: 'filterProgress', ...p }));
      this.filterState = { query, positions: result.positions, matched: result.matched, truncated: result.truncated };
      return await this.goTo(0);
    } catch (error) {
      if (isAirbyteError(error, 'ABORTED')) {
        this.post({ type: 'notice', text: 'Filter cancelled.' });
        if (this.shown) this.post({ type: 'state', state: this.shown });
        return undefined;
      }
      throw error;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  /** Stops a filter in progress. */
  cancelFilter(): void {
    this.running?.abort();
    this.running = undefined;
  }

  /** The rows shown (`shown`) or the whole stream written to `file`; returns how many. */
  async exportTo(scope: 'shown' | 'stream', format: ExportFormat, file: string): Promise<number> {
    if (scope === 'stream' && !this.filterState && this.source.exportStream) {
      return (await this.source.exportStream(this.stream, format, file)).rows;
    }
    const rows =
      scope === 'shown'
        ? (this.shown?.rows ?? [])
        : this.filterState
          ? await this.source.rowsAt(this.stream, this.filterState.positions)
          : await this.source.page(this.stream, 0, Number.MAX_SAFE_INTEGER);
    const columns = (this.shown?.columns ?? []).map((c) => c.name);
    return (
      await exportRows(
        rows.map((r) => r.data),
        columns,
        format,
        file,
      )
    ).rows;
  }

  /** The rows shown as JSON lines or CSV text (what Copy puts on the clipboard). */
  shownText(format: ExportFormat): string {
    const columns = (this.shown?.columns ?? []).map((c) => c.name);
    return formatRecords(
      (this.shown?.rows ?? []).map((r) => r.data),
      format,
      columns,
    );
  }

  private async onMessage(m: PreviewToHostMessage): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          await (this.shown ? this.goTo(this.shown.offset) : this.goTo(0));
          break;
        case 'stream':
          await this.showStream(m.stream);
          break;
        case 'page':
          await this.goTo(m.offset);
          break;
        case 'filter':
          await this.applyFilter(m.query);
          break;
        case 'cancelFilter':
          this.cancelFilter();
          break;
        case 'copy':
          await vscode.env.clipboard.writeText(this.shownText(m.format));
          this.post({ type: 'notice', text: `Copied ${formatCount(this.shown?.rows.length ?? 0)} rows as ${m.format.toUpperCase()}.` });
          break;
        case 'export':
          await this.exportAsked(m.scope, m.format);
          break;
      }
    } catch (error) {
      this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async exportAsked(scope: 'shown' | 'stream', format: ExportFormat): Promise<void> {
    const name = `${this.stream.replace(/[^\w.-]+/g, '_')}${scope === 'shown' ? '-shown' : ''}.${format}`;
    const folder = this.source.exportFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const target = await vscode.window.showSaveDialog({
      title: scope === 'shown' ? 'Export the rows shown' : `Export the whole stream ${this.stream}`,
      defaultUri: vscode.Uri.file(path.join(folder, name)),
      filters: format === 'csv' ? { CSV: ['csv'] } : { 'JSON lines': ['jsonl'] },
    });
    if (!target) return;
    this.post({ type: 'busy', text: `Exporting to ${path.basename(target.fsPath)}…` });
    const rows = await this.exportTo(scope, format, target.fsPath);
    this.post({ type: 'notice', text: `Exported ${formatCount(rows)} rows to ${target.fsPath}.` });
  }

  private post(message: HostToPreviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.cancelFilter();
    for (const d of this.disposables) d.dispose();
  }
}

/** The open previews, one per source (a second open reveals it and shows the stream asked for). */
export class RecordsPreviews implements vscode.Disposable {
  private readonly open = new Map<string, RecordsPreview>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  async show(source: PreviewSource, stream?: string): Promise<RecordsPreview> {
    let preview = this.open.get(source.key);
    if (preview) {
      preview.panel.reveal();
      if (stream && preview.state?.stream !== stream) await preview.showStream(stream);
      return preview;
    }
    const panel = vscode.window.createWebviewPanel(RECORDS_PREVIEW_VIEW_TYPE, `Records: ${source.title}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      enableFindWidget: true,
    });
    preview = new RecordsPreview(panel, source, stream, this.extensionUri);
    this.open.set(source.key, preview);
    const created = preview;
    panel.onDidDispose(() => {
      created.dispose();
      if (this.open.get(source.key) === created) this.open.delete(source.key);
    });
    await preview.goTo(0);
    return preview;
  }

  /** Every open preview (tests). */
  all(): RecordsPreview[] {
    return [...this.open.values()];
  }

  dispose(): void {
    for (const p of this.open.values()) p.panel.dispose();
  }
}

function previewHtml(webview: vscode.Webview, root: vscode.Uri): string {
  return webviewDocument(webview, {
    root,
    script: 'preview.js',
    stylesheet: 'preview.css',
    title: 'Airbyte Records',
    body: `  <header>
    <h1 id="title">Loading records…</h1>
    <label for="stream-select">Stream</label>
    <select id="stream-select" aria-label="Stream"></select>
    <span id="counts" class="facts" role="status" aria-live="polite"></span>
  </header>
  <nav class="toolbar" aria-label="Pages">
    <vscode-button id="first-page" appearance="secondary" aria-label="First page">First</vscode-button>
    <vscode-button id="prev-page" appearance="secondary" aria-label="Previous page">Previous</vscode-button>
    <vscode-button id="next-page" appearance="secondary" aria-label="Next page">Next</vscode-button>
    <vscode-button id="last-page" appearance="secondary" aria-label="Last page">Last</vscode-button>
    <label for="jump-input">Go to record #</label>
    <vscode-text-field id="jump-input" aria-label="Go to record number" size="10"></vscode-text-field>
  </nav>
  <form class="toolbar" id="filter-form" aria-label="Filter">
    <label for="filter-input">Filter</label>
    <vscode-text-field id="filter-input" aria-label="Filter: text, or field = value" placeholder="text, or field = value" size="36"></vscode-text-field>
    <vscode-button id="filter-button" appearance="primary">Filter</vscode-button>
    <vscode-button id="cancel-filter" appearance="secondary" hidden>Cancel</vscode-button>
    <span id="filter-status" class="facts" role="status" aria-live="polite"></span>
  </form>
  <nav class="toolbar" aria-label="Copy and export">
    <vscode-button id="copy-jsonl" appearance="secondary">Copy rows (JSONL)</vscode-button>
    <vscode-button id="copy-csv" appearance="secondary">Copy rows (CSV)</vscode-button>
    <vscode-button id="export-shown-csv" appearance="secondary">Export rows… (CSV)</vscode-button>
    <vscode-button id="export-stream-jsonl" appearance="secondary">Export stream… (JSONL)</vscode-button>
    <vscode-button id="export-stream-csv" appearance="secondary">Export stream… (CSV)</vscode-button>
  </nav>
  <p id="notice" class="facts" role="status" aria-live="polite"></p>
  <vscode-data-grid id="records-grid" aria-label="Records"></vscode-data-grid>`,
  });
}
