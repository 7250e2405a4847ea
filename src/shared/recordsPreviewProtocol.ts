/**
 * Messages between the extension host and the Records Preview webview. The host reads every page
 * on demand (from the cache's segment files, a source peek, or a local destination file) and runs
 * the filter; the webview only shows what it is sent. Pure: no imports.
 */

export const RECORDS_PREVIEW_VIEW_TYPE = 'airbyte.recordsPreview';

/** Records per page. */
export const PREVIEW_PAGE_SIZE = 100;

export interface PreviewGridColumn {
  name: string;
  type: string;
  primaryKey: boolean;
  cursor: boolean;
}

export interface PreviewGridRow {
  /** The record's position in the stream (0 = first). */
  position: number;
  data: Record<string, unknown>;
}

/** What the webview shows: one stream (or table) of a source of records. */
export interface PreviewState {
  title: string;
  streams: string[];
  stream: string;
  columns: PreviewGridColumn[];
  /** Records of the stream; undefined when unknown. */
  total?: number;
  /** The filter in effect and how many records it matched. */
  filter?: { query: string; matched: number; truncated: boolean };
  /** First position shown (in the filtered list when a filter is in effect). */
  offset: number;
  rows: PreviewGridRow[];
  /** Whether the filter runs over the whole stream on the host (cached reads) or over the records shown here. */
  canFilter: boolean;
}

export type HostToPreviewMessage =
  | { type: 'state'; state: PreviewState }
  | { type: 'busy'; text: string }
  | { type: 'filterProgress'; scanned: number; total: number; matched: number }
  | { type: 'notice'; text: string }
  | { type: 'error'; message: string };

export type PreviewToHostMessage =
  | { type: 'ready' }
  | { type: 'stream'; stream: string }
  | { type: 'page'; offset: number }
  | { type: 'filter'; query: string }
  | { type: 'cancelFilter' }
  | { type: 'export'; scope: 'shown' | 'stream'; format: 'jsonl' | 'csv' }
  | { type: 'copy'; format: 'jsonl' | 'csv' };

export function isPreviewToHostMessage(value: unknown): value is PreviewToHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'cancelFilter':
      return true;
    case 'stream':
      return typeof m.stream === 'string';
    case 'page':
      return typeof m.offset === 'number' && Number.isSafeInteger(m.offset) && m.offset >= 0;
    case 'filter':
      return typeof m.query === 'string';
    case 'export':
      return (m.scope === 'shown' || m.scope === 'stream') && (m.format === 'jsonl' || m.format === 'csv');
    case 'copy':
      return m.format === 'jsonl' || m.format === 'csv';
    default:
      return false;
  }
}
