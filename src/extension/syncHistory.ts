// Run history → the Syncs view's pairs (pure: unit-tested; no runtime vscode import). Every name
// and config path comes from what the core recorded with each run; rows older than those fields
// fall back to connector names.
import type * as vscode from 'vscode';
import type { RunRecord } from '../core/store/runHistory';
import { CACHE_DESTINATION_LABEL, pairKeyOf } from './runViewModel';

/** A source → destination pair and its runs, newest first. */
export interface SyncPair {
  key: string;
  /** What people call each side (the config file's name), as the newest run recorded it. */
  source: string;
  destination: string;
  sourceId: string;
  /** Empty for reads into the cache that fed no destination. */
  destinationId: string;
  /** The config files the pair was last run from, when run history has them. */
  sourceConfigPath?: string;
  destinationConfigPath?: string;
  folder: vscode.WorkspaceFolder;
  runs: RunRecord[];
}

/**
 * Groups runs (newest first) into pairs, in order of each pair's latest run: one pair per pair of
 * config files (editing a config gives it a new identity, not a new pair; see {@link identityChanged}).
 * A read that a write through the cache started belongs to that write's pair.
 */
export function groupRuns(runs: readonly RunRecord[], folder: vscode.WorkspaceFolder): SyncPair[] {
  const destinationLabels = labelsOfDestinations(runs);
  const pairs = new Map<string, SyncPair>();
  // A run joins a pair by its config files or by its identities (rows older than recorded paths).
  const byIdentities = new Map<string, SyncPair>();
  for (const run of runs) {
    const destinationId = (run.kind === 'write' ? run.destinationId : run.forDestinationId) ?? '';
    const key = pairKeyOf({ ...run, destinationId });
    const identities = `${run.sourceId}→${destinationId}`;
    let pair = pairs.get(key) ?? byIdentities.get(identities);
    if (!pair) {
      pair = {
        key,
        source: run.sourceLabel ?? run.source,
        destination: destinationLabelOf(run, destinationLabels),
        sourceId: run.sourceId,
        destinationId,
        folder,
        runs: [],
      };
      pairs.set(key, pair);
    }
    byIdentities.set(identities, pair);
    // Newest first: the first run that recorded a config path is the latest one.
    pair.sourceConfigPath ??= run.sourceConfigPath;
    pair.destinationConfigPath ??= run.destinationConfigPath;
    pair.runs.push(run);
  }
  return [...new Set(pairs.values())];
}

/**
 * Which side's config identity differs between a run and the pair's run before it (older), if any:
 * the config was edited between them, so state and confirmed positions started afresh.
 */
export function identityChanged(run: RunRecord, older: RunRecord | undefined): 'source' | 'destination' | 'both' | undefined {
  if (!older) return undefined;
  const destinationOf = (r: RunRecord) => (r.kind === 'write' ? r.destinationId : r.forDestinationId) ?? '';
  const source = run.sourceId !== older.sourceId;
  const destination = destinationOf(run) !== destinationOf(older);
  return source && destination ? 'both' : source ? 'source' : destination ? 'destination' : undefined;
}

/** Destination identity → its newest recorded label. */
function labelsOfDestinations(runs: readonly RunRecord[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const run of runs) {
    if (run.destinationId && !labels.has(run.destinationId)) labels.set(run.destinationId, run.destinationLabel ?? run.destination ?? '?');
  }
  return labels;
}

function destinationLabelOf(run: RunRecord, destinationLabels: ReadonlyMap<string, string>): string {
  if (run.kind === 'write') return run.destinationLabel ?? run.destination ?? '?';
  if (!run.forDestinationId) return CACHE_DESTINATION_LABEL;
  return run.destinationLabel ?? destinationLabels.get(run.forDestinationId) ?? run.destinationConnector ?? '?';
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
