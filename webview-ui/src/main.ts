// The run details webview: renders a RunView sent by the extension host and keeps it across
// hide/show through the webview state. Every string from the host is set as text, never as HTML.
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeProgressRing,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';
import type { HostToWebviewMessage, RunView, StreamRow, WebviewToHostMessage } from '../../src/shared/runDetailsProtocol';
import { formatCount, formatDuration } from '../../src/shared/format';
import { averageRate, LOG_TAIL_LINES, runTitle, totalsText } from '../../src/shared/runDetailsProtocol';
import { renderThroughputChart } from './throughputChart';

provideVSCodeDesignSystem().register(
  vsCodeBadge(),
  vsCodeButton(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDivider(),
  vsCodeProgressRing(),
  vsCodeTag(),
);

interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): PersistedState | undefined;
  setState(state: PersistedState): void;
}
interface PersistedState {
  run?: RunView;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let current: RunView | undefined = vscode.getState()?.run;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`webview: #${id} missing`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const COLUMNS: { title: string; cell: (s: StreamRow) => string; numeric?: boolean }[] = [
  { title: 'Stream', cell: (s) => s.name },
  { title: 'Read', cell: (s) => formatCount(s.read), numeric: true },
  { title: 'Sent', cell: (s) => formatCount(s.sent), numeric: true },
  { title: 'Confirmed', cell: (s) => formatCount(s.confirmed), numeric: true },
  {
    title: 'Strategy',
    cell: (s) =>
      [s.strategy, s.destinationSyncMode && s.destinationSyncMode !== s.strategy ? `→ ${s.destinationSyncMode}` : '']
        .filter(Boolean)
        .join(' ') || '–',
  },
  { title: 'Mode', cell: (s) => s.syncMode ?? '–' },
  { title: 'Status', cell: (s) => s.phase },
  { title: 'State', cell: (s) => s.state ?? '–' },
];

function renderTable(run: RunView): void {
  const grid = byId('streams-table');
  grid.setAttribute('grid-template-columns', '2fr 1fr 1fr 1fr 1.6fr 1.2fr 1fr 3fr');
  grid.replaceChildren();
  const header = document.createElement('vscode-data-grid-row');
  header.setAttribute('row-type', 'sticky-header');
  COLUMNS.forEach((c, i) => {
    const cell = el('vscode-data-grid-cell' as 'div', c.title);
    cell.setAttribute('cell-type', 'columnheader');
    cell.setAttribute('grid-column', String(i + 1));
    header.appendChild(cell);
  });
  grid.appendChild(header);
  for (const s of run.streams) {
    const row = document.createElement('vscode-data-grid-row');
    row.dataset.stream = s.name;
    COLUMNS.forEach((c, i) => {
      const cell = el('vscode-data-grid-cell' as 'div', c.cell(s), c.numeric ? 'numeric' : undefined);
      cell.setAttribute('grid-column', String(i + 1));
      cell.dataset.column = c.title.toLowerCase();
      row.appendChild(cell);
    });
    grid.appendChild(row);
  }
  byId('totals').textContent = totalsText(run, formatCount);
  byId('empty-streams').hidden = run.streams.length > 0;
}

function renderError(run: RunView): void {
  const box = byId('run-error');
  box.replaceChildren();
  if (!run.error) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.appendChild(el('strong', run.error.message, 'error-message'));
  if (run.error.traceMessage && !run.error.message.includes(run.error.traceMessage))
    box.appendChild(el('p', run.error.traceMessage, 'error-trace'));
  if (run.error.guidance) box.appendChild(el('p', run.error.guidance, 'error-guidance'));
  const facts = [
    run.error.connector && `connector ${run.error.connector}`,
    run.error.exitCode !== undefined && `exit code ${run.error.exitCode}`,
  ]
    .filter(Boolean)
    .join(' · ');
  if (facts) box.appendChild(el('p', facts, 'error-facts'));
}

function renderLogs(run: RunView): void {
  const pre = byId('log-tail');
  pre.textContent = run.logTail.length > 0 ? run.logTail.join('\n') : '(no connector log lines)';
  pre.scrollTop = pre.scrollHeight;
}

function render(run: RunView): void {
  document.title = runTitle(run);
  byId('run-title').textContent = `Run #${run.runId}: ${run.source} → ${run.destination}`;
  const status = byId('run-status');
  status.textContent = run.status;
  status.dataset.status = run.status;
  byId('run-spinner').hidden = run.status !== 'Running';
  byId('cancel-button').hidden = run.status !== 'Running';
  byId('rerun-button').hidden = run.status === 'Running';
  byId('preview-destination-button').hidden = run.status === 'Running';
  const started = new Date(run.startedAt);
  const facts = [
    `started ${started.toLocaleString()}`,
    `duration ${formatDuration(run.durationMs)}`,
    run.strategy ? `strategy ${run.strategy}` : '',
    run.fedByRead !== undefined ? `records from read #${run.fedByRead}` : '',
    run.runsOn ?? '',
  ].filter(Boolean);
  byId('run-facts').textContent = facts.join(' · ');
  const rate = averageRate(run.throughput);
  byId('chart-caption').textContent = rate > 0 ? `${formatCount(Math.round(rate))} records/s on average` : '';
  renderTable(run);
  renderThroughputChart(byId('throughput-chart'), run.throughput);
  renderError(run);
  renderLogs(run);
}

function show(run: RunView | undefined): void {
  byId('placeholder').hidden = run !== undefined;
  byId('run').hidden = run === undefined;
  if (run) render(run);
}

window.addEventListener('message', (event: MessageEvent<HostToWebviewMessage>) => {
  const msg = event.data;
  if (msg.type === 'snapshot') {
    current = msg.run;
  } else if (msg.type === 'log' && current && msg.runId === current.runId) {
    current = { ...current, logTail: [...current.logTail, ...msg.lines].slice(-LOG_TAIL_LINES) };
  } else {
    return;
  }
  vscode.setState({ run: current });
  show(current);
});

byId('cancel-button').addEventListener('click', () => current && vscode.postMessage({ type: 'cancel', runId: current.runId }));
byId('rerun-button').addEventListener('click', () => current && vscode.postMessage({ type: 'rerun', runId: current.runId }));
byId('logs-button').addEventListener('click', () => vscode.postMessage({ type: 'showLogs' }));
byId('preview-destination-button').addEventListener(
  'click',
  () => current && vscode.postMessage({ type: 'previewDestination', runId: current.runId }),
);

show(current);
vscode.postMessage({ type: 'ready', runId: current?.runId ?? document.body.dataset.runId });
