// The Records Preview webview: shows the page the host sends in the toolkit's data grid (columns
// from the stream's schema, primary key and cursor marked, nested values as compact JSON that
// expands on Enter or click), and asks the host for pages, filters and exports. Every string from
// the host is set as text, never as HTML.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import type { HostToPreviewMessage, PreviewState, PreviewToHostMessage } from '../../src/shared/recordsPreviewProtocol';
import { PREVIEW_PAGE_SIZE } from '../../src/shared/recordsPreviewProtocol';
import { formatCount } from '../../src/shared/format';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDataGrid(), vsCodeDataGridCell(), vsCodeDataGridRow(), vsCodeTextField());

interface VsCodeApi {
  postMessage(message: PreviewToHostMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();
let current: PreviewState | undefined;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`webview: #${id} missing`);
  return el as T;
}

/** A value as a cell shows it: text as is, nested values as compact JSON. */
function cellText(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function headerCell(state: PreviewState, name: string, i: number): HTMLElement {
  const c = state.columns.find((x) => x.name === name);
  const cell = document.createElement('vscode-data-grid-cell');
  cell.setAttribute('cell-type', 'columnheader');
  cell.setAttribute('grid-column', String(i + 1));
  // Marked in words (an emoji font is not everywhere): `id (PK)`, `updated_at (cursor)`.
  const marks = [c?.primaryKey ? 'PK' : '', c?.cursor ? 'cursor' : ''].filter(Boolean).join(', ');
  cell.textContent = marks ? `${name} (${marks})` : name;
  cell.title = [c?.type, c?.primaryKey ? 'primary key' : '', c?.cursor ? 'cursor' : ''].filter(Boolean).join(' · ') || name;
  if (c?.primaryKey) cell.dataset.primaryKey = 'true';
  if (c?.cursor) cell.dataset.cursor = 'true';
  return cell;
}

function valueCell(value: unknown, i: number): HTMLElement {
  const cell = document.createElement('vscode-data-grid-cell');
  cell.setAttribute('grid-column', String(i + 1));
  const text = cellText(value);
  cell.textContent = text;
  if (value !== null && typeof value === 'object') {
    // Nested values: compact JSON, expanded (pretty, wrapped) on Enter or click, collapsed again the same way.
    cell.classList.add('nested');
    cell.title = 'Enter or click to expand';
    const toggle = () => {
      const open = cell.classList.toggle('expanded');
      cell.textContent = open ? JSON.stringify(value, null, 2) : text;
    };
    cell.addEventListener('click', toggle);
    cell.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') toggle();
    });
  }
  return cell;
}

function render(state: PreviewState): void {
  current = state;
  byId('title').textContent = state.title;
  const select = byId<HTMLSelectElement>('stream-select');
  select.replaceChildren(
    ...state.streams.map((s) => {
      const o = document.createElement('option');
      o.value = s;
      o.textContent = s;
      o.selected = s === state.stream;
      return o;
    }),
  );
  const names = [...state.columns.map((c) => c.name)];
  for (const r of state.rows) for (const k of Object.keys(r.data)) if (!names.includes(k)) names.push(k);
  const grid = byId('records-grid');
  grid.setAttribute('grid-template-columns', ['80px', ...names.map(() => 'minmax(80px, 1fr)')].join(' '));
  const header = document.createElement('vscode-data-grid-row');
  header.setAttribute('row-type', 'sticky-header');
  const pos = document.createElement('vscode-data-grid-cell');
  pos.setAttribute('cell-type', 'columnheader');
  pos.setAttribute('grid-column', '1');
  pos.textContent = '#';
  header.append(pos, ...names.map((n, i) => headerCell(state, n, i + 1)));
  const rows = state.rows.map((r) => {
    const row = document.createElement('vscode-data-grid-row');
    row.dataset.position = String(r.position);
    const p = valueCell(r.position, 0);
    p.classList.add('numeric');
    row.append(p, ...names.map((n, i) => valueCell(r.data[n], i + 1)));
    return row;
  });
  grid.replaceChildren(header, ...rows);
  const count = state.filter ? state.filter.matched : state.total;
  const last = state.offset + state.rows.length;
  const of = count === undefined ? '' : ` of ${formatCount(count)}${state.filter ? ` matching "${state.filter.query}"` : ''}`;
  byId('counts').textContent = state.rows.length
    ? `Records ${formatCount(state.offset)}–${formatCount(last - 1)}${of}`
    : `No records${state.filter ? ` match "${state.filter.query}"` : ''}`;
  byId('filter-status').textContent = state.filter?.truncated ? 'Showing the first 100,000 matches.' : '';
  byId('cancel-filter').hidden = true;
}

function pageCount(): number | undefined {
  return current?.filter ? current.filter.matched : current?.total;
}

function post(message: PreviewToHostMessage): void {
  vscode.postMessage(message);
}

function wire(): void {
  byId('stream-select').addEventListener('change', (e) => post({ type: 'stream', stream: (e.target as HTMLSelectElement).value }));
  byId('first-page').addEventListener('click', () => post({ type: 'page', offset: 0 }));
  byId('prev-page').addEventListener('click', () =>
    post({ type: 'page', offset: Math.max(0, (current?.offset ?? 0) - PREVIEW_PAGE_SIZE) }),
  );
  byId('next-page').addEventListener('click', () => post({ type: 'page', offset: (current?.offset ?? 0) + PREVIEW_PAGE_SIZE }));
  byId('last-page').addEventListener('click', () => {
    const n = pageCount() ?? 0;
    post({ type: 'page', offset: Math.max(0, n - PREVIEW_PAGE_SIZE) });
  });
  const jump = byId<HTMLInputElement>('jump-input');
  jump.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    const n = Number(jump.value.trim().replace(/,/g, ''));
    if (Number.isSafeInteger(n) && n >= 0) post({ type: 'page', offset: n });
  });
  const filter = byId<HTMLInputElement>('filter-input');
  const runFilter = () => {
    byId('cancel-filter').hidden = false;
    byId('filter-status').textContent = 'Filtering…';
    post({ type: 'filter', query: filter.value });
  };
  byId('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    runFilter();
  });
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') runFilter();
    if (e.key === 'Escape') post({ type: 'cancelFilter' });
  });
  byId('filter-button').addEventListener('click', runFilter);
  byId('cancel-filter').addEventListener('click', () => post({ type: 'cancelFilter' }));
  byId('copy-jsonl').addEventListener('click', () => post({ type: 'copy', format: 'jsonl' }));
  byId('copy-csv').addEventListener('click', () => post({ type: 'copy', format: 'csv' }));
  byId('export-shown-csv').addEventListener('click', () => post({ type: 'export', scope: 'shown', format: 'csv' }));
  byId('export-stream-jsonl').addEventListener('click', () => post({ type: 'export', scope: 'stream', format: 'jsonl' }));
  byId('export-stream-csv').addEventListener('click', () => post({ type: 'export', scope: 'stream', format: 'csv' }));
}

window.addEventListener('message', (event: MessageEvent<HostToPreviewMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'state':
      render(m.state);
      break;
    case 'busy':
      byId('notice').textContent = m.text;
      break;
    case 'filterProgress':
      byId('filter-status').textContent =
        `Scanned ${formatCount(m.scanned)} of ${formatCount(m.total)} · ${formatCount(m.matched)} matching`;
      break;
    case 'notice':
      byId('notice').textContent = m.text;
      byId('cancel-filter').hidden = true;
      break;
    case 'error':
      byId('notice').textContent = `Error: ${m.message}`;
      byId('cancel-filter').hidden = true;
      break;
  }
});

wire();
post({ type: 'ready' });
