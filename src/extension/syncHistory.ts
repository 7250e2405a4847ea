// Run history → the Syncs view's pairs and labels (pure: unit-tested; no runtime vscode import).
import type * as vscode from 'vscode';
import type { RunRecord } from '../core/store/runHistory';

/** A source → destination pair and its runs, newest first. */
export interface SyncPair {
  key: string;
  source: string;
  destination: string;
  sourceId: string;
  destinationId: string;
  folder: vscode.WorkspaceFolder;
  runs: RunRecord[];
}

/** Names people gave the connectors: the config file a state identity was last run from. */
export interface IdentityLabels {
  get(identity: string): string | undefined;
  /** The destination a read run fed (a write through the cache reads first), when known. */
  destinationOfRead?(runId: number): { id: string; name: string } | undefined;
}

/** Label of a destination-less read (`airbyte-write read`, or a write whose destination is unknown). */
export const CACHE_DESTINATION_LABEL = 'cache';

/** Groups runs (newest first) into pairs, in order of each pair's latest run. */
export function groupRuns(runs: readonly RunRecord[], folder: vscode.WorkspaceFolder, labels?: IdentityLabels): SyncPair[] {
  const pairs = new Map<string, SyncPair>();
  for (const run of runs) {
    // A write through the cache records its read phase as a read run first: it belongs to the pair.
    const fed = run.kind === 'read' ? labels?.destinationOfRead?.(run.id) : undefined;
    const destinationId = run.kind === 'write' ? (run.destinationId ?? '') : (fed?.id ?? '');
    const destinationName = run.kind === 'write' ? (run.destination ?? '?') : (fed?.name ?? CACHE_DESTINATION_LABEL);
    const key = `${run.sourceId}→${destinationId}`;
    let pair = pairs.get(key);
    if (!pair) {
      pair = {
        key,
        source: labels?.get(run.sourceId) ?? run.source,
        destination: (destinationId && labels?.get(destinationId)) || destinationName,
        sourceId: run.sourceId,
        destinationId,
        folder,
        runs: [],
      };
      pairs.set(key, pair);
    }
    pair.runs.push(run);
  }
  return [...pairs.values()];
}

export function statusLabel(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

export function relativeTime(then: number, now = Date.now()): string {
  const s = Math.round((now - then) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return new Date(then).toLocaleDateString();
}
