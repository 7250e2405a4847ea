// "Write to Destination…": quick picks for the source data (a source config or a cached read),
// the destination config, the streams and the write strategy, remembering the last choice; or an
// argument object that skips them. Resolves to the WriteResult (undefined when cancelled).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WriteStrategy } from '../../core/write/writeStrategy';
import { explainStrategy, isWriteStrategy, WRITE_STRATEGIES } from '../../core/write/writeStrategy';
import { AirbyteError } from '../../core/errors';
import { isCachedReadRef } from '../../core/write/cachedRead';
import type { ExtensionHost } from '../host';
import type { SyncPair } from '../syncHistory';
import type { WriteArgs, WriteOutcome } from '../syncRunner';
import { absolutePath, uriFromArg } from './pickConfig';

const LAST_CHOICE_KEY = 'airbyte.lastWrite';

interface LastChoice {
  source?: string;
  destination?: string;
  streams?: string[];
  strategy?: WriteStrategy;
}

const STRATEGY_DETAIL: Record<WriteStrategy, string> = {
  auto: 'Merge when a stream has a primary key, append when it has a cursor, else replace',
  append: 'Add the new records to what the destination holds',
  replace: 'Replace what the destination holds for each stream',
  merge: 'Upsert by primary key (streams without one are an error)',
};

export function isWriteArgs(value: unknown): value is WriteArgs {
  if (typeof value !== 'object' || value === null || value instanceof vscode.Uri) return false;
  const o = value as Record<string, unknown>;
  return ['source', 'destination', 'streams', 'strategy', 'fullRefresh'].some((k) => k in o);
}

export async function writeToDestination(host: ExtensionHost, arg?: unknown): Promise<WriteOutcome | undefined> {
  const last = host.context.workspaceState.get<LastChoice>(LAST_CHOICE_KEY) ?? {};
  const args: WriteArgs = isWriteArgs(arg) ? { ...arg } : {};
  // A config given by a context menu or an editor title button: use it as source or destination by its kind.
  const contextUri = isWriteArgs(arg) || cachedReadOfArg(arg) !== undefined ? undefined : uriFromArg(arg);
  if (contextUri) {
    if ((await host.configsTree.kindOf(contextUri)) === 'destination') args.destination = contextUri.fsPath;
    else args.source = contextUri.fsPath;
  }
  // A cached read from the Cached Reads view or a read's notification: written from the cache.
  const readRunId = cachedReadOfArg(arg);
  if (readRunId !== undefined) args.source = `cache:${readRunId}`;
  // A sync pair from the Syncs view: the same config files again (streams and strategy are asked).
  if (!isWriteArgs(arg) && typeof arg === 'object' && arg !== null && 'pair' in arg) {
    const again = await host.runner.argsOfPair((arg as { pair: SyncPair }).pair);
    if (again.source) args.source = again.source;
    if (again.destination) args.destination = again.destination;
  }
  const interactive = !isWriteArgs(arg);

  args.source ??= interactive ? await pickSource(host, last) : undefined;
  if (!args.source) {
    if (!interactive) throw missingArgument('source', 'a *.airbyte.jsonc path or "cache:<runId>"');
    return undefined;
  }
  args.destination ??= interactive ? await pickDestination(host, last) : undefined;
  if (!args.destination) {
    if (!interactive) throw missingArgument('destination', 'a *.airbyte.jsonc path');
    return undefined;
  }
  args.source = isCachedReadRef(args.source) ? args.source : absolutePath(args.source);
  args.destination = absolutePath(args.destination);
  if (interactive && !args.streams) {
    const streams = await pickStreams(host, args.source, last.source === args.source ? last.streams : undefined);
    if (!streams) return undefined;
    args.streams = streams;
  }
  if (interactive && !args.strategy) {
    const strategy = await pickStrategy(
      last.strategy ?? host.config.defaultWriteStrategy,
      strategyOutcomes(host, args.source, args.destination, args.streams),
    );
    if (!strategy) return undefined;
    args.strategy = strategy;
  }
  args.strategy ??= host.config.defaultWriteStrategy;
  if (!isWriteStrategy(args.strategy))
    throw new AirbyteError('USAGE', {
      message: `Unknown write strategy "${String(args.strategy)}".`,
      guidance: `Use one of ${WRITE_STRATEGIES.join(', ')}.`,
      context: { strategy: String(args.strategy) },
    });
  await host.context.workspaceState.update(LAST_CHOICE_KEY, {
    source: args.source,
    destination: args.destination,
    streams: args.streams,
    strategy: args.strategy,
  } satisfies LastChoice);
  return host.runner.write(args);
}

type PathItem = vscode.QuickPickItem & { value: string };

function configItem(uri: vscode.Uri, connector: string | undefined, lastUsed: string | undefined): PathItem {
  return {
    label: path.basename(uri.fsPath),
    description: [connector, uri.fsPath === lastUsed ? '(last used)' : undefined].filter(Boolean).join(' '),
    detail: vscode.workspace.asRelativePath(uri),
    value: uri.fsPath,
  };
}

function lastFirst<T extends { value: string }>(items: T[], last: string | undefined): T[] {
  const i = items.findIndex((x) => x.value === last);
  if (i > 0) items.unshift(...items.splice(i, 1));
  return items;
}

async function pickSource(host: ExtensionHost, last: LastChoice): Promise<string | undefined> {
  const configs = await host.configsTree.listOfKind('source');
  const items: PathItem[] = lastFirst(
    configs.map((c) => configItem(c.uri, c.connector, last.source)),
    last.source,
  );
  const cached = await host.runner.cachedReads();
  if (cached.length) {
    items.push({ label: 'Cached reads', kind: vscode.QuickPickItemKind.Separator, value: '' });
    for (const c of cached)
      items.push({
        label: `$(database) ${c.label}`,
        description: [c.description, `cache:${c.runId}` === last.source ? '(last used)' : undefined].filter(Boolean).join(' '),
        detail: c.detail,
        value: `cache:${c.runId}`,
      });
  }
  if (items.length === 0) {
    const create = 'New Connector Config…';
    if (
      (await vscode.window.showWarningMessage('No source configs (*.airbyte.jsonc naming a source) in this workspace.', create)) === create
    ) {
      await vscode.commands.executeCommand('airbyte.newConfig');
    }
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Write to Destination (1/4): source data',
    placeHolder: 'Read from which source config (or cached read)?',
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  return picked?.value;
}

async function pickDestination(host: ExtensionHost, last: LastChoice): Promise<string | undefined> {
  const configs = await host.configsTree.listOfKind('destination');
  if (configs.length === 0) {
    const create = 'New Connector Config…';
    if (
      (await vscode.window.showWarningMessage(
        'No destination configs (*.airbyte.jsonc naming a destination) in this workspace.',
        create,
      )) === create
    ) {
      await vscode.commands.executeCommand('airbyte.newConfig');
    }
    return undefined;
  }
  const items = lastFirst(
    configs.map((c) => configItem(c.uri, c.connector, last.destination)),
    last.destination,
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Write to Destination (2/4): destination',
    placeHolder: 'Write to which destination config?',
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  return picked?.value;
}

/** Asks for streams of a source config or cached read (all, or `lastStreams`, preselected). */
export async function pickStreams(
  host: ExtensionHost,
  source: string,
  lastStreams: string[] | undefined,
  title = 'Write to Destination (3/4): streams',
): Promise<string[] | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
  qp.title = title;
  qp.placeholder = 'Discovering streams…';
  qp.canSelectMany = true;
  qp.ignoreFocusOut = true;
  qp.busy = true;
  qp.show();
  const controller = new AbortController();
  let failure: unknown;
  try {
    const result = new Promise<string[] | undefined>((resolve) => {
      qp.onDidAccept(() => {
        // Enter while the streams are still being discovered means nothing yet.
        if (!qp.busy) resolve(qp.selectedItems.map((i) => i.label));
      });
      qp.onDidHide(() => resolve(undefined));
    });
    host.runner.listStreams(source, controller.signal).then(
      (streams) => {
        qp.items = streams.map((s) => ({ label: s.name, description: s.description }));
        const wanted = lastStreams?.length ? new Set(lastStreams) : undefined;
        qp.selectedItems = qp.items.filter((i) => !wanted || wanted.has(i.label));
        qp.placeholder = 'Pick the streams (Enter: the selected ones)';
        qp.busy = false;
      },
      (error: unknown) => {
        failure = error;
        qp.hide();
      },
    );
    // Escape while discovering returns at once (the discover is aborted below).
    const streams = await result;
    if (failure) throw failure;
    if (streams && streams.length === 0)
      throw new AirbyteError('USAGE', { message: 'No stream was selected.', guidance: 'Pick at least one stream to write.' });
    return streams;
  } finally {
    controller.abort();
    qp.dispose();
  }
}

/** Per strategy, what each picked stream will become at this destination and why (undefined when unknown). */
type StrategyOutcomes = Promise<Map<WriteStrategy, string> | undefined>;

/**
 * What each strategy resolves to per stream, in one line per strategy ("users, products → append:
 * has a primary key; destination-sqlite cannot merge (…)"), from the streams just discovered and
 * the destination's spec. Unknown (a cached read, a spec that cannot be read): undefined.
 */
async function strategyOutcomes(host: ExtensionHost, source: string, destination: string, streams: string[] | undefined): StrategyOutcomes {
  const listed = host.runner.listedStreams(source)?.filter((s) => !streams || streams.includes(s.name));
  if (!listed?.length || listed.every((s) => s.primaryKey === undefined && s.cursorField === undefined)) return undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  try {
    const { name, modes } = await (await host.services()).destinationModes(destination, controller.signal);
    const out = new Map<WriteStrategy, string>();
    for (const strategy of WRITE_STRATEGIES) {
      const groups = new Map<string, string[]>();
      for (const s of listed) {
        const o = explainStrategy(strategy, { name: s.name, primaryKey: s.primaryKey, cursorField: s.cursorField }, modes, name);
        const key = o.mode ? `${o.mode}: ${o.why}` : `cannot: ${o.why}`;
        groups.set(key, [...(groups.get(key) ?? []), s.name]);
      }
      out.set(strategy, [...groups].map(([what, names]) => `${names.join(', ')} → ${what}`).join(' | '));
    }
    return out;
  } catch {
    // Explaining is a help, not a step: the pick still works with the general words.
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function pickStrategy(preselected: WriteStrategy, outcomes: StrategyOutcomes): Promise<WriteStrategy | undefined> {
  const itemsOf = (explained?: Map<WriteStrategy, string>) =>
    [...WRITE_STRATEGIES]
      .sort((a, b) => (a === preselected ? -1 : b === preselected ? 1 : 0))
      .map((s) => ({
        label: s,
        description: [s === preselected ? '(default)' : undefined, explained ? STRATEGY_DETAIL[s] : undefined].filter(Boolean).join(' '),
        // Before the run starts: what each stream becomes at this destination, and why.
        detail: explained?.get(s) ?? STRATEGY_DETAIL[s],
      }));
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { label: WriteStrategy }>();
  qp.title = 'Write to Destination (4/4): write strategy';
  qp.placeholder = 'How should the destination take the records? (each stream: the mode it becomes, and why)';
  qp.ignoreFocusOut = true;
  qp.items = itemsOf();
  qp.busy = true;
  qp.show();
  void outcomes.then((explained) => {
    const active = qp.activeItems[0]?.label;
    if (explained) qp.items = itemsOf(explained);
    qp.activeItems = qp.items.filter((i) => i.label === (active ?? preselected));
    qp.busy = false;
  });
  try {
    return await new Promise<WriteStrategy | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]?.label ?? qp.activeItems[0]?.label));
      qp.onDidHide(() => resolve(undefined));
    });
  } finally {
    qp.dispose();
  }
}

function missingArgument(name: 'source' | 'destination', what: string): AirbyteError {
  return new AirbyteError('USAGE', {
    message: `Write to Destination: "${name}" is required.`,
    guidance: `Give ${what}.`,
    context: { argument: name },
  });
}

/** The run id of a cached read given as `{ cachedReadRunId }` or as a Cached Reads tree item; undefined otherwise. */
function cachedReadOfArg(arg: unknown): number | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { cachedReadRunId?: unknown; kind?: unknown; entry?: { runId?: unknown } };
  if (typeof o.cachedReadRunId === 'number') return o.cachedReadRunId;
  if ((o.kind === 'read' || o.kind === 'stream') && typeof o.entry?.runId === 'number') return o.entry.runId;
  return undefined;
}
