// "Reset State…": forgets the committed state of a source → destination pair (all streams, or
// the picked ones), after a modal confirmation. The next write of the pair reads everything again.
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import type { ExtensionHost } from '../host';
import type { SyncPair } from '../syncsTree';

export interface ResetStateArgs {
  pair?: SyncPair;
  /** Skip the confirmation (tests, keybindings that already asked). */
  confirm?: boolean;
  streams?: string[];
}

export async function resetState(host: ExtensionHost, arg?: unknown): Promise<boolean> {
  const args = (typeof arg === 'object' && arg !== null ? arg : {}) as ResetStateArgs;
  let pair = args.pair;
  if (!pair) {
    const pairs = await host.syncsTree.loadPairs();
    if (pairs.length === 0) {
      void vscode.window.showInformationMessage('Nothing has been written yet: there is no state to reset.');
      return false;
    }
    const picked = await vscode.window.showQuickPick(
      pairs.map((p) => ({ label: `${p.source} → ${p.destination}`, description: `${p.runs.length} run(s)`, pair: p })),
      { title: 'Reset State', placeHolder: 'Which source → destination pair?' },
    );
    pair = picked?.pair;
  }
  if (!pair) return false;
  if (host.runner.running)
    throw new AirbyteError('USAGE', {
      message: 'A sync is running.',
      guidance: 'Cancel it or wait for it to finish before resetting state.',
    });
  const streams = args.streams;
  if (args.confirm !== true) {
    const what = streams?.length ? `streams ${streams.join(', ')}` : 'every stream';
    const choice = await vscode.window.showWarningMessage(
      `Reset the state of ${pair.source} → ${pair.destination}?`,
      {
        modal: true,
        detail: `The committed state of ${what} is forgotten: the next write sends every record again (run history is kept).`,
      },
      'Reset State',
    );
    if (choice !== 'Reset State') return false;
  }
  const services = await host.services();
  const store = await services.openStore(pair.folder, true);
  try {
    store.states.clear(pair.sourceId, pair.destinationId, streams);
    // Writes through the record cache resume from how far this destination confirmed the cache:
    // back to the start, so the destination receives every cached record again.
    const positions: Record<string, number> = {};
    for (const c of store.cacheIndex.streams(pair.sourceId)) if (!streams || streams.includes(c.streamKey)) positions[c.streamKey] = 0;
    store.cacheIndex.setConfirmed(pair.sourceId, pair.destinationId, positions);
    await store.save();
  } finally {
    await store.close();
  }
  host.channels.log.info(`State reset for ${pair.source} → ${pair.destination}${streams?.length ? ` (${streams.join(', ')})` : ''}`);
  void vscode.window.showInformationMessage(
    `State reset: the next write of ${pair.source} → ${pair.destination} sends every record again.`,
  );
  host.syncsTree.reload();
  return true;
}
