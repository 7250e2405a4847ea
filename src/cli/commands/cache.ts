import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CacheCleanup, CacheEntry } from '../../core/readResults/cacheCatalog';
import { clearCache, listCacheEntries, pruneCache } from '../../core/readResults/cacheCatalog';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import { parseCachedReadRef } from '../../core/write/cachedRead';
import { formatCount } from '../../shared/format';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { when } from './runs';
import { defaultStorePath, formatBytes, formatTable } from './runOutput';

const CACHE_OPTIONS = {
  'state-file': { type: 'string' },
  'max-size': { type: 'string' },
  'max-age': { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `500MB`, `2g`, `1024` (bytes) → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`--max-size takes a size such as 500MB or 2GB, not "${text}".`);
  return Math.floor(Number(m[1]) * unit);
}

/** `30d`, `12h`, `30` (days) → ms. */
export function parseAge(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h|)\s*$/i.exec(text);
  if (!m) throw new UsageError(`--max-age takes an age such as 30d or 12h, not "${text}".`);
  return Number(m[1]) * (m[2].toLowerCase() === 'h' ? 3_600_000 : 86_400_000);
}

function entriesTable(entries: CacheEntry[]): string {
  const rows = entries.map((e) => [
    e.runId ? `cache:${e.runId}` : '-',
    e.sourceLabel,
    e.streams.map((s) => `${s.stream} ${formatCount(s.records)}`).join(', '),
    formatCount(e.records),
    formatBytes(e.bytes),
    e.confirmed ? 'yes' : `no (${formatCount(e.unconfirmedRecords)} not)`,
    when(e.readAt),
  ]);
  return formatTable(
    ['Read', 'Source', 'Streams (records)', 'Records', 'Size', 'Confirmed', 'Read at (UTC)'],
    rows,
    (i) => i === 3 || i === 4,
  );
}

function cleanupLines(what: string, result: CacheCleanup): string {
  const lines = result.removed.map((e) => `removed ${e.sourceLabel}: ${formatCount(e.records)} records, ${formatBytes(e.bytes)}`);
  for (const k of result.kept) if (k.reason !== 'within the limits') lines.push(`kept ${k.entry.sourceLabel}: ${k.reason}`);
  lines.push(
    `${what}: ${result.removed.length} source cache(s) removed; ${formatBytes(result.bytesBefore)} → ${formatBytes(result.bytesAfter)} on disk.`,
  );
  if (result.removed.length > 0) lines.push('The next read of a removed source reads again from what each destination confirmed.');
  return lines.join('\n');
}

function cleanupJson(storePath: string, result: CacheCleanup) {
  return {
    ok: true,
    stateFile: storePath,
    removed: result.removed,
    kept: result.kept.map((k) => ({ ...k.entry, reason: k.reason })),
    bytesBefore: result.bytesBefore,
    bytesAfter: result.bytesAfter,
    overLimit: result.overLimit,
  };
}

type CacheValues = { [K in keyof typeof CACHE_OPTIONS]?: (typeof CACHE_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

async function list(store: WorkspaceStore, io: CliIo): Promise<number> {
  const entries = await listCacheEntries(store);
  const bytes = entries.reduce((n, e) => n + e.bytes, 0);
  if (io.json) io.outJson({ ok: true, stateFile: store.path, cacheDir: store.cacheDir, bytes, entries });
  else if (entries.length === 0) io.out(`The record cache of ${store.path} is empty.`);
  else io.out(`${entriesTable(entries)}\n\n${entries.length} source cache(s), ${formatBytes(bytes)} on disk in ${store.cacheDir}`);
  return 0;
}

async function prune(store: WorkspaceStore, values: CacheValues, io: CliIo): Promise<number> {
  if (values['max-size'] === undefined && values['max-age'] === undefined)
    throw new UsageError('Give a limit to prune to: --max-size (e.g. 500MB) and/or --max-age (e.g. 30d).');
  const limits = {
    ...(values['max-size'] !== undefined ? { maxBytes: parseSize(values['max-size']) } : {}),
    ...(values['max-age'] !== undefined ? { maxAgeMs: parseAge(values['max-age']) } : {}),
  };
  const result = await pruneCache(store, limits, { force: values.force === true });
  if (io.json) io.outJson(cleanupJson(store.path, result));
  else {
    io.out(cleanupLines('Pruned', result));
    if (result.overLimit)
      io.err('warning: the cache is still above --max-size: what no destination has confirmed was kept (--force removes it).');
  }
  return 0;
}

async function clear(store: WorkspaceStore, refs: string[], values: CacheValues, io: CliIo): Promise<number> {
  const runIds = refs.map((r) => {
    const id = parseCachedReadRef(r) ?? (/^\d+$/.test(r) ? Number(r) : undefined);
    if (id === undefined) throw new UsageError(`"${r}" is not a cached read: name one as cache:<runId> ("airbyte-write cache list").`);
    return id;
  });
  const result = await clearCache(store, { force: values.force === true, ...(refs.length ? { runIds } : {}) });
  if (io.json) {
    const refused = result.kept.length > 0;
    io.outJson({
      ...cleanupJson(store.path, result),
      ok: !refused,
      ...(refused
        ? {
            error: {
              code: 'UNCONFIRMED',
              message: 'Cached records no destination has confirmed were kept.',
              guidance: 'Write them first, or pass --force.',
            },
          }
        : {}),
    });
  } else io.out(cleanupLines('Cleared', result));
  if (result.kept.length === 0) return 0;
  io.err(
    `Refused: ${result.kept.length} source cache(s) hold records no destination has confirmed (above). Write them to a destination first, or pass --force to delete them anyway.`,
  );
  return 1;
}

export const cacheCommand: CliCommand = {
  summary: 'List, prune or clear the record cache (never what no destination confirmed, unless --force)',
  usage: `Usage: airbyte-write cache list | prune | clear [options]

  list                 each source's cached records: streams, counts, size on disk, whether every
                       record has been confirmed by some destination
  prune                remove source caches, oldest read first, until within the limits:
    --max-size SIZE    the cache's total size (e.g. 500MB, 2GB)
    --max-age AGE      remove sources whose newest read is older (e.g. 30d, 12h)
  clear [cache:N …]    remove every source's cache (or those of the reads named)
  --force              prune / clear: also remove records no destination has confirmed
  --state-file PATH    the workspace store (default: .airbyte/state.sqlite in the nearest folder
                       up from here that has .airbyte/)
  --json               print JSON

A source's cache is removed whole, with the cache's own state: its next read reads again from what
each destination confirmed. "clear" refuses (exit 1) to remove unconfirmed records without --force.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: CACHE_OPTIONS });
    io.json = values.json === true;
    const [action, ...rest] = positionals;
    if (action !== 'list' && action !== 'prune' && action !== 'clear')
      throw new UsageError(
        action ? `Unknown cache action "${action}": use list, prune or clear.` : 'Missing action: list, prune or clear.',
      );
    if (action !== 'clear' && rest.length) throw new UsageError(`"cache ${action}" takes no arguments (got "${rest.join(' ')}").`);
    if (action === 'list' && (values.force || values['max-size'] || values['max-age']))
      throw new UsageError('"cache list" takes only --state-file and --json.');
    const storePath = path.resolve(values['state-file'] ?? defaultStorePath(undefined));
    if (!existsSync(storePath)) {
      if (io.json) io.outJson({ ok: true, stateFile: storePath, entries: [], removed: [], kept: [] });
      else io.out(`No record cache: ${storePath} does not exist yet (run "airbyte-write read" first, or pass --state-file).`);
      return 0;
    }
    // Listing works while a run holds the store; pruning and clearing take its lock.
    const store = await WorkspaceStore.open({ path: storePath, lock: action !== 'list', purpose: `airbyte-write cache ${action}` });
    try {
      if (action === 'list') return await list(store, io);
      if (action === 'prune') return await prune(store, values, io);
      return await clear(store, rest, values, io);
    } finally {
      await store.close();
    }
  },
};
