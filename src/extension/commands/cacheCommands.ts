// The Cached Reads commands: Preview Records, Delete, Clear Cache…, Prune Cache (the limit
// settings), Preview Source… (a peek) and Preview Destination (what landed in a local file).
// Nothing a destination has not confirmed is deleted without the user saying so, in words that
// name what would be lost.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import type { Source } from '../../core/connectors/connector';
import type { CacheCleanup, CacheEntry } from '../../core/readResults/cacheCatalog';
import { unconfirmedReason } from '../../core/readResults/cacheCatalog';
import { destinationOutputFiles } from '../../core/readResults/localOutputs';
import { peekSource } from '../../core/readResults/sourcePeek';
import { formatBytes, formatCount } from '../../shared/format';
import { abortSignalFrom } from '../cancellation';
import type { CachedReadNode } from '../cachedReadsTree';
import type { ExtensionHost } from '../host';
import { cachedReadSource, localFileSource, peekSource as peekPreviewSource } from '../previewSources';
import { RecordsPreviews } from '../recordsPreviewPanel';
import type { RecordsPreview } from '../recordsPreviewPanel';
import { pickConfig } from './pickConfig';

let previews: RecordsPreviews | undefined;

/** The open Records Previews (created with the first one). */
export function recordsPreviews(host: ExtensionHost): RecordsPreviews {
  if (!previews) {
    previews = new RecordsPreviews(host.context.extensionUri);
    host.context.subscriptions.push(previews, { dispose: () => (previews = undefined) });
  }
  return previews;
}

function folderOf(uri: string | undefined): vscode.WorkspaceFolder | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.find((f) => f.uri.toString() === uri) ?? folders[0];
}

/** "Preview Records": `{ runId, stream?, folder? }`, or a Cached Reads item; opens the grid. */
export async function previewRecords(host: ExtensionHost, arg?: unknown): Promise<RecordsPreview | undefined> {
  const o = (typeof arg === 'object' && arg !== null ? arg : {}) as {
    runId?: unknown;
    stream?: unknown;
    folder?: unknown;
    kind?: string;
    entry?: CacheEntry;
  };
  let runId = typeof o.runId === 'number' ? o.runId : o.entry?.runId;
  let stream =
    typeof o.stream === 'string' ? o.stream : o.kind === 'stream' ? (arg as { stream: { stream: string } }).stream.stream : undefined;
  let folder = o.entry ? (arg as CachedReadNode).folder : folderOf(typeof o.folder === 'string' ? o.folder : undefined);
  if (runId === undefined) {
    const picked = await pickCachedRead(host, 'Preview Records');
    if (!picked) return undefined;
    ({ folder } = picked);
    runId = picked.entry.runId;
    stream = undefined;
  }
  if (!folder || runId === undefined)
    throw new AirbyteError('USAGE', { message: 'This cached read has no complete read to preview.', guidance: 'Read the source again.' });
  const services = await host.services();
  return recordsPreviews(host).show(await cachedReadSource(services, folder, runId), stream);
}

async function pickCachedRead(host: ExtensionHost, title: string): Promise<CachedReadNode | undefined> {
  const nodes = (await host.cachedReadsTree.loadEntries()).filter((n) => n.entry.runId !== undefined);
  if (nodes.length === 0) {
    void vscode.window.showInformationMessage('No cached read yet: run "Airbyte: Read Source into Cache…" first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    nodes.map((n) => ({
      label: `${n.entry.sourceLabel} (read #${n.entry.runId})`,
      description: `${formatCount(n.entry.records)} records · ${formatBytes(n.entry.bytes)}`,
      node: n,
    })),
    { title, placeHolder: 'Pick a cached read' },
  );
  return picked?.node;
}

function cleanupText(result: CacheCleanup): string {
  const removed = result.removed.map((e) => e.sourceLabel).join(', ');
  const kept = result.kept.filter((k) => k.reason !== 'within the limits');
  return [
    result.removed.length ? `Removed ${removed}: ${formatBytes(result.bytesBefore - result.bytesAfter)} freed.` : 'Nothing removed.',
    ...kept.map((k) => `Kept ${k.entry.sourceLabel}: ${k.reason}.`),
  ].join(' ');
}

/** "Delete" on a Cached Reads item: asks before deleting records no destination confirmed. */
export async function deleteCachedRead(host: ExtensionHost, arg?: unknown): Promise<CacheCleanup | undefined> {
  const node =
    (arg as CachedReadNode | undefined)?.kind === 'read' ? (arg as CachedReadNode) : await pickCachedRead(host, 'Delete Cached Read');
  if (!node) return undefined;
  const services = await host.services();
  const force = (arg as { force?: unknown } | undefined)?.force === true;
  let result = await services.cleanCache(node.folder, { sourceIds: [node.entry.sourceId], force });
  const kept = result?.kept[0];
  if (kept && !force) {
    const choice = await vscode.window.showWarningMessage(
      `Delete the cached records of ${node.entry.sourceLabel}?`,
      {
        modal: true,
        detail: `${kept.reason.replace(/: write them first, or force$/, '')}. They would be lost: a destination that has not confirmed them gets them only from a new read of the source.`,
      },
      'Delete Anyway',
    );
    if (choice !== 'Delete Anyway') return result;
    result = await services.cleanCache(node.folder, { sourceIds: [node.entry.sourceId], force: true });
  }
  host.cachedReadsTree.reload();
  if (result) host.channels.log.info(`Delete cached read: ${cleanupText(result)}`);
  return result;
}

/** "Clear Cache…": says what unconfirmed data would be lost and lets the user keep it. `{ force }` skips the question (tests). */
export async function clearCache(host: ExtensionHost, arg?: unknown): Promise<CacheCleanup[]> {
  const nodes = await host.cachedReadsTree.loadEntries();
  if (nodes.length === 0) {
    void vscode.window.showInformationMessage('The record cache is empty.');
    return [];
  }
  const given = (arg as { force?: unknown } | undefined)?.force;
  let force = given === true;
  if (typeof given !== 'boolean') {
    const unconfirmed = nodes.filter((n) => !n.entry.confirmed);
    const total = nodes.reduce((n, e) => n + e.entry.bytes, 0);
    const detail = unconfirmed.length
      ? `${unconfirmed.length} of them hold records no destination has confirmed; clearing everything loses them:\n${unconfirmed
          .map((n) => `• ${n.entry.sourceLabel}: ${unconfirmedReason(n.entry).replace(/: write them first, or force$/, '')}`)
          .join('\n')}`
      : 'Every record in it has been confirmed by a destination.';
    const options = unconfirmed.length ? ['Clear Confirmed Only', 'Clear Everything'] : ['Clear'];
    const choice = await vscode.window.showWarningMessage(
      `Clear the record cache (${nodes.length} source(s), ${formatBytes(total)})?`,
      { modal: true, detail },
      ...options,
    );
    if (!choice) return [];
    force = choice === 'Clear Everything';
  }
  const services = await host.services();
  const results: CacheCleanup[] = [];
  for (const folder of new Set(nodes.map((n) => n.folder))) {
    const r = await services.cleanCache(folder, { force });
    if (r) results.push(r);
  }
  host.cachedReadsTree.reload();
  const text = results.map(cleanupText).join(' ');
  host.channels.log.info(`Clear cache: ${text}`);
  void vscode.window.showInformationMessage(`Airbyte: ${text}`);
  return results;
}

/**
 * Applies `airbyte.cacheMaxSizeMB` / `airbyte.cacheMaxAgeDays` to the cache of `folder` (every
 * folder when omitted): confirmed sources are removed, oldest first; the rest is kept and logged.
 */
export async function applyCacheLimits(host: ExtensionHost, folder?: vscode.WorkspaceFolder): Promise<CacheCleanup[]> {
  const services = await host.services();
  const results: CacheCleanup[] = [];
  for (const f of folder ? [folder] : (vscode.workspace.workspaceFolders ?? [])) {
    const limits = host.config.cacheLimits(f);
    if (limits.maxBytes === undefined && limits.maxAgeMs === undefined) continue;
    try {
      const r = await services.cleanCache(f, { limits });
      if (!r) continue;
      results.push(r);
      if (r.removed.length || r.overLimit) host.channels.log.info(`Cache limits (${f.name}): ${cleanupText(r)}`);
    } catch (error) {
      // The store is in use (a CLI run): the limits apply next time.
      host.channels.log.warn(`Cache limits (${f.name}) not applied: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  host.cachedReadsTree.reload();
  return results;
}

/** "Prune Cache": the limit settings applied now, with what was removed and kept. */
export async function pruneCacheCommand(host: ExtensionHost): Promise<CacheCleanup[]> {
  const results = await applyCacheLimits(host);
  if (results.length === 0) {
    void vscode.window.showInformationMessage('Airbyte: no cache limit is set (airbyte.cacheMaxSizeMB, airbyte.cacheMaxAgeDays).');
    return results;
  }
  void vscode.window.showInformationMessage(`Airbyte: ${results.map(cleanupText).join(' ')}`);
  return results;
}

/** "Preview Source…": the first records of each stream straight from the source (no cache, no state). `{ source, limit }` skips the pick. */
export async function previewSource(host: ExtensionHost, arg?: unknown): Promise<RecordsPreview | undefined> {
  const given = arg as { source?: unknown; limit?: unknown } | undefined;
  const uri = typeof given?.source === 'string' ? vscode.Uri.file(given.source) : await pickConfig(host, arg, 'Preview Source', 'source');
  if (!uri) return undefined;
  const limit = typeof given?.limit === 'number' ? given.limit : 100;
  const label = path.basename(uri.fsPath).replace(/\.airbyte\.jsonc$/, '');
  const services = await host.services();
  const peek = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Airbyte: peeking at ${label}`, cancellable: true },
    async (progress, token) => {
      const { signal, dispose } = abortSignalFrom(token);
      try {
        const source = (await services.connectorFromFile(uri.fsPath, { type: 'source', installIfMissing: true, signal })) as Source;
        return await peekSource(source, {
          limit,
          signal,
          onLog: (line) => host.channels.connectorLog(source.name, line),
          onStream: (s) => progress.report({ message: `${s.stream}: ${formatCount(s.records.length)} records` }),
        });
      } finally {
        dispose();
      }
    },
  );
  return recordsPreviews(host).show(peekPreviewSource(label, peek));
}

/** "Preview Destination": the tables of a destination config's local output files. `{ file }` opens one file. */
export async function previewDestination(host: ExtensionHost, arg?: unknown): Promise<RecordsPreview | undefined> {
  const file = (arg as { file?: unknown } | undefined)?.file;
  let target = typeof file === 'string' ? file : undefined;
  if (!target) {
    const uri = await pickConfig(host, arg, 'Preview Destination', 'destination');
    if (!uri) return undefined;
    const services = await host.services();
    const destination = await services.connectorFromFile(uri.fsPath, { type: 'destination' });
    const files = await destinationOutputFiles(destination);
    if (files.length === 0) {
      void vscode.window.showInformationMessage(
        `${path.basename(uri.fsPath)} has no local output to preview yet (a SQLite, JSON lines or CSV file in its destination_path or localDir).`,
      );
      return undefined;
    }
    target =
      files.length === 1
        ? files[0]
        : (
            await vscode.window.showQuickPick(
              files.map((f) => ({ label: path.basename(f), detail: vscode.workspace.asRelativePath(f), f })),
            )
          )?.f;
    if (!target) return undefined;
  }
  return recordsPreviews(host).show(await localFileSource(target));
}
