// "Read Source into Cache…": a source config (argument, Configs view item, or quick pick), its
// streams (quick pick, all preselected), then the read with a progress notification showing
// per-stream counts and Cancel, connector logs (masked by the core) in the Airbyte Connectors
// output, the read shown live in the Cached Reads view, and a notification offering
// "Preview Records" and "Write to Destination…". Afterwards the cache limits settings apply.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import type { WriteProgress } from '../../core/write/progressTracker';
import type { ReadResult } from '../../core/write/writeResult';
import { formatCount, formatDuration } from '../../shared/format';
import { abortSignalFrom } from '../cancellation';
import { primaryFolder } from '../config';
import type { ExtensionHost } from '../host';
import { isCancellation } from '../showError';
import { applyCacheLimits } from './cacheCommands';
import { pickConfig } from './pickConfig';
import { pickStreams } from './writeCommand';

/** The argument object of `airbyte.readSource` (skips the quick picks). */
export interface ReadArgs {
  source: string;
  streams?: string[];
}

function isReadArgs(arg: unknown): arg is ReadArgs {
  return typeof arg === 'object' && arg !== null && typeof (arg as { source?: unknown }).source === 'string';
}

/** What the command resolves to: the read's run id and counts (undefined when cancelled or dismissed). */
export interface ReadOutcome {
  runId: number;
  records: number;
  streams: Array<{ stream: string; records: number }>;
}

export async function readSource(host: ExtensionHost, arg?: unknown): Promise<ReadOutcome | undefined> {
  const given = isReadArgs(arg) ? arg : undefined;
  const uri = given ? vscode.Uri.file(path.resolve(given.source)) : await pickConfig(host, arg, 'Read Source into Cache', 'source');
  if (!uri) return undefined;
  const folder = primaryFolder(uri);
  if (!folder) throw new AirbyteError('USAGE', { message: 'Open a folder first: the record cache is kept in the workspace.' });
  if (host.runner.running)
    throw new AirbyteError('USAGE', {
      message: 'A sync is running: the workspace store is in use.',
      guidance: 'Wait for it to end (or cancel it), then read again.',
    });
  const streams = given ? given.streams : await pickStreams(host, uri.fsPath, undefined, 'Read Source into Cache: streams');
  if (!given && !streams) return undefined;
  const label = path.basename(uri.fsPath).replace(/\.airbyte\.jsonc$/, '');
  host.channels.connectorHeading(`read ${label} into the cache at ${new Date().toLocaleTimeString()}`);
  host.channels.log.info(`Read ${uri.fsPath} into the cache, streams ${streams?.join(', ') ?? 'all'}`);
  let result: ReadResult;
  try {
    result = await readWithProgress(host, uri.fsPath, label, streams, folder);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    host.channels.log.info(`Read of ${label} cancelled: the cache keeps what its last state covered.`);
    void vscode.window.showInformationMessage(`Airbyte: the read of ${label} was cancelled. The cache keeps what its last state covered.`);
    return undefined;
  } finally {
    host.cachedReadsTree.live = undefined;
    host.cachedReadsTree.reload();
    host.syncsTree.reload();
  }
  await applyCacheLimits(host, folder);
  return announce(host, label, result);
}

function readWithProgress(
  host: ExtensionHost,
  source: string,
  label: string,
  streams: string[] | undefined,
  folder: vscode.WorkspaceFolder,
) {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Airbyte: reading ${label} into the cache`, cancellable: true },
    async (progress, token) => {
      const { signal, dispose } = abortSignalFrom(token);
      const services = await host.services();
      host.cachedReadsTree.live = { kind: 'live', label, streams: [] };
      host.cachedReadsTree.refresher.refresh();
      try {
        return await services.runRead({
          source,
          streams,
          folder,
          signal,
          onProgress: (p: WriteProgress) => {
            progress.report({ message: progressText(p) });
            host.cachedReadsTree.live = {
              kind: 'live',
              label,
              streams: p.streams.map((s) => ({ stream: s.stream, records: s.recordsRead })),
            };
            host.cachedReadsTree.refresher.refreshSoon(500);
          },
          onLog: (connector, line) => host.channels.connectorLog(connector, line),
        });
      } finally {
        dispose();
      }
    },
  );
}

/** `users 1,200 · products 300 (1,500 records, 2 s)`: the per-stream counts of a read in progress. */
export function progressText(p: Pick<WriteProgress, 'streams' | 'recordsRead' | 'elapsedMs'>): string {
  const per = p.streams.map((s) => `${s.stream} ${formatCount(s.recordsRead)}`).join(' · ');
  return `${per || 'starting'} (${formatCount(p.recordsRead)} records, ${formatDuration(p.elapsedMs)})`;
}

function announce(host: ExtensionHost, label: string, result: ReadResult): ReadOutcome {
  const streams = result.streams.map((s) => ({ stream: s.stream, records: s.recordsRead }));
  const records = streams.reduce((n, s) => n + s.records, 0);
  const text = `Airbyte: read ${formatCount(records)} new records of ${label} into the cache (read #${result.runId}).`;
  host.channels.log.info(text);
  void vscode.window.showInformationMessage(text, 'Preview Records', 'Write to Destination…').then((choice) => {
    if (choice === 'Preview Records')
      void vscode.commands.executeCommand('airbyte.previewRecords', { runId: result.runId, stream: result.streamNames[0] });
    if (choice === 'Write to Destination…')
      void vscode.commands.executeCommand('airbyte.writeToDestination', { cachedReadRunId: result.runId });
  });
  return { runId: result.runId, records, streams };
}
