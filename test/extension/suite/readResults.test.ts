// The ReadResult workflow in the real extension host: Read Source into Cache, the Cached Reads view,
// the Records Preview (pages, jump, filter, export), writing the read to a destination, the limit
// settings pruning what is confirmed and keeping what is not, Delete, Preview Source and Preview
// Destination. builtin:sample and builtin:sqlite: no Docker.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CacheCleanup } from '../../../src/core/readResults/cacheCatalog';
import type { CachedReadNode } from '../../../src/extension/cachedReadsTree';
import type { ReadOutcome } from '../../../src/extension/commands/readSource';
import type { RecordsPreview } from '../../../src/extension/recordsPreviewPanel';
import type { WriteResult } from '../../../src/core/write/writeResult';
import { extensionApi, labelOf, workspaceDir } from './testSupport';

const SOURCE = 'rr-source.airbyte.jsonc';
const OTHER = 'rr-other.airbyte.jsonc';
const DESTINATION = 'rr-dest.airbyte.jsonc';
const BIG = 'rr-big.airbyte.jsonc';
const BIG_DESTINATION = 'rr-big-dest.airbyte.jsonc';

async function readNodes(): Promise<CachedReadNode[]> {
  const api = await extensionApi();
  api.trees.cachedReads.reload();
  return (await api.trees.cachedReads.getChildren()).filter((n): n is CachedReadNode => n.kind === 'read');
}

async function nodeOf(label: string): Promise<CachedReadNode | undefined> {
  return (await readNodes()).find((n) => n.entry.sourceLabel === label);
}

describe('Read, look, then write: cached reads in the editor', function () {
  this.timeout(180_000);
  let read: ReadOutcome;
  let preview: RecordsPreview;

  before(async () => {
    const dir = workspaceDir();
    await fs.writeFile(path.join(dir, SOURCE), '{ "connector": "builtin:sample", "config": { "count": 250, "seed": 5 } }\n');
    await fs.writeFile(path.join(dir, OTHER), '{ "connector": "builtin:sample", "config": { "count": 20, "seed": 6 } }\n');
    await fs.writeFile(
      path.join(dir, DESTINATION),
      '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/rr.sqlite" } }\n',
    );
  });

  after(async () => {
    await vscode.workspace.getConfiguration('airbyte').update('cacheMaxSizeMB', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of [SOURCE, OTHER, DESTINATION, BIG, BIG_DESTINATION]) await fs.rm(path.join(workspaceDir(), f), { force: true });
  });

  it('Read Source into Cache reads the streams asked for and lists the read in the Cached Reads view', async () => {
    const api = await extensionApi();
    const outcome = await vscode.commands.executeCommand<ReadOutcome | undefined>('airbyte.readSource', {
      source: path.join(workspaceDir(), SOURCE),
      streams: ['users', 'products'],
    });
    assert.ok(outcome, `the read returned its outcome (last error: ${api.lastCommandError?.message ?? 'none'})`);
    read = outcome;
    assert.equal(read.records, 500);
    const node = await nodeOf('rr-source');
    assert.ok(node, 'the view lists the read');
    const item = api.trees.cachedReads.getTreeItem(node);
    assert.equal(labelOf(item), `rr-source (read #${read.runId})`);
    assert.match(String(item.description), /^500 records · \d+(\.\d)? KB · just now$/);
    assert.equal(item.contextValue, 'cachedRead.unconfirmed', 'nothing confirmed by a destination yet');
    const streams = await api.trees.cachedReads.getChildren(node);
    assert.deepEqual(
      streams.map((s) => labelOf(api.trees.cachedReads.getTreeItem(s))),
      ['products', 'users'],
    );
    assert.match(String(api.trees.cachedReads.getTreeItem(streams[1]).description), /^250 records · /);
  });

  it('Preview Records opens a grid with the schema columns, pages on demand and jumps to record N', async () => {
    const opened = await vscode.commands.executeCommand<RecordsPreview | undefined>('airbyte.previewRecords', {
      runId: read.runId,
      stream: 'users',
    });
    assert.ok(opened, 'a preview opened');
    preview = opened;
    const first = preview.state!;
    assert.equal(first.stream, 'users');
    assert.equal(first.total, 250);
    assert.equal(first.rows.length, 100);
    assert.deepEqual(
      first.columns.filter((c) => c.primaryKey || c.cursor).map((c) => [c.name, c.primaryKey, c.cursor]),
      [
        ['id', true, false],
        ['updated_at', false, true],
      ],
    );
    const page = await preview.goTo(230);
    assert.deepEqual(
      page.rows.map((r) => r.position),
      Array.from({ length: 20 }, (_, i) => 230 + i),
    );
    assert.equal(page.rows[0].data.id, 231);
    const other = await preview.showStream('products');
    assert.equal(other.total, 250);
    await preview.showStream('users');
  });

  it('filters the whole stream on the host (field = value, then text) and clears the filter', async () => {
    const byId = await preview.applyFilter('id = 200');
    assert.deepEqual(byId?.filter, { query: 'id = 200', matched: 1, truncated: false });
    assert.deepEqual(
      byId?.rows.map((r) => r.position),
      [199],
    );
    const city = String(preview.state!.rows[0].data.city);
    const text = await preview.applyFilter(city.toLowerCase());
    assert.ok(
      text && text.filter!.matched > 0 && text.rows.every((r) => JSON.stringify(r.data).toLowerCase().includes(city.toLowerCase())),
    );
    const cleared = await preview.applyFilter('');
    assert.equal(cleared?.filter, undefined);
    assert.equal(cleared?.rows.length, 100);
  });

  it('exports the rows shown and the whole stream as JSON lines and CSV', async () => {
    const dir = path.join(workspaceDir(), 'out');
    await fs.mkdir(dir, { recursive: true });
    assert.equal(await preview.exportTo('shown', 'jsonl', path.join(dir, 'shown.jsonl')), 100);
    const shown = (await fs.readFile(path.join(dir, 'shown.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.equal(shown.length, 100);
    assert.equal((JSON.parse(shown[0]) as { id: number }).id, 1);
    assert.equal(await preview.exportTo('stream', 'csv', path.join(dir, 'users.csv')), 250);
    const csv = (await fs.readFile(path.join(dir, 'users.csv'), 'utf8')).trimEnd().split('\n');
    assert.equal(csv.length, 251, 'a header and 250 rows');
    assert.match(csv[0], /^id,name,email,/);
    assert.match(preview.shownText('csv'), /^id,name,email,/);
  });

  it('Write to Destination… writes the read; the Syncs view links the write to it; the view shows it confirmed', async () => {
    const api = await extensionApi();
    const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: `cache:${read.runId}`,
      destination: path.join(workspaceDir(), DESTINATION),
      strategy: 'auto',
    });
    assert.ok(result, `the write returned a result (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(result.totals.recordsConfirmed, 500);
    api.trees.syncs.reload();
    const pairs = await api.trees.syncs.getChildren();
    const pair = pairs.find((p) => labelOf(api.trees.syncs.getTreeItem(p)) === 'rr-source → rr-dest');
    assert.ok(pair, 'the Syncs view has the pair');
    const runs = await api.trees.syncs.getChildren(pair);
    assert.match(String(api.trees.syncs.getTreeItem(runs[0]).description), new RegExp(`from read #${read.runId}`));
    const node = await nodeOf('rr-source');
    assert.equal(api.trees.cachedReads.getTreeItem(node!).contextValue, 'cachedRead.confirmed');
  });

  it('the size limit setting prunes what destinations confirmed and keeps what they did not', async () => {
    const api = await extensionApi();
    // Far below any cache: everything confirmed goes, the unconfirmed read of rr-other stays.
    await vscode.workspace.getConfiguration('airbyte').update('cacheMaxSizeMB', 0.001, vscode.ConfigurationTarget.Workspace);
    const other = await vscode.commands.executeCommand<ReadOutcome | undefined>('airbyte.readSource', {
      source: path.join(workspaceDir(), OTHER),
    });
    assert.ok(other, `the read returned (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(await nodeOf('rr-source'), undefined, 'the confirmed read was pruned after the new read');
    assert.ok(await nodeOf('rr-other'), 'the unconfirmed read was kept');
    const results = await vscode.commands.executeCommand<CacheCleanup[]>('airbyte.pruneCache');
    const kept = results.flatMap((r) => r.kept).find((k) => k.entry.sourceLabel === 'rr-other');
    assert.match(kept?.reason ?? '', /^60 record\(s\) no destination has confirmed/);
    await vscode.workspace.getConfiguration('airbyte').update('cacheMaxSizeMB', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('Delete removes a read (forced for unconfirmed records) and its files', async () => {
    const node = await nodeOf('rr-other');
    assert.ok(node);
    const api = await extensionApi();
    const services = await api.services();
    const store = await services.openStore(node.folder, false);
    const files = store.cacheIndex.segments(node.entry.sourceId).map((s) => path.join(store.cacheDir, s.file));
    await store.close();
    assert.ok(files.length > 0);
    for (const f of files) await fs.access(f);
    const result = await vscode.commands.executeCommand<CacheCleanup | undefined>('airbyte.deleteCachedRead', { ...node, force: true });
    assert.deepEqual(
      result?.removed.map((e) => e.sourceLabel),
      ['rr-other'],
    );
    assert.equal(await nodeOf('rr-other'), undefined);
    for (const f of files) await assert.rejects(fs.access(f), `${f} was deleted`);
  });

  it('Preview Source peeks without a read; Preview Destination shows the SQLite tables with row counts', async () => {
    const peek = await vscode.commands.executeCommand<RecordsPreview | undefined>('airbyte.previewSource', {
      source: path.join(workspaceDir(), SOURCE),
      limit: 5,
    });
    assert.deepEqual(peek?.state?.streams, ['users', 'products', 'purchases']);
    assert.equal(peek?.state?.rows.length, 5);
    assert.equal(await nodeOf('rr-source'), undefined, 'the peek read nothing into the cache');
    const landed = await vscode.commands.executeCommand<RecordsPreview | undefined>('airbyte.previewDestination', {
      file: path.join(workspaceDir(), 'out', 'rr.sqlite'),
    });
    assert.deepEqual(landed?.state?.streams, ['products', 'users']);
    assert.equal(landed?.state?.total, 250);
    assert.ok(landed?.state?.columns.some((c) => c.name === '_airbyte_extracted_at'));
  });

  it('a write through the cache shows its read live in the Cached Reads view while it runs, then lists it', async () => {
    const api = await extensionApi();
    const dir = workspaceDir();
    await fs.writeFile(path.join(dir, BIG), '{ "connector": "builtin:sample", "config": { "count": 60000, "seed": 7 } }\n');
    await fs.writeFile(
      path.join(dir, BIG_DESTINATION),
      '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/rr-big.sqlite" } }\n',
    );
    const writing = Promise.resolve(
      vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
        source: path.join(dir, BIG),
        destination: path.join(dir, BIG_DESTINATION),
        strategy: 'append',
        streams: ['users'],
      }),
    );
    const state = { done: false };
    void writing.finally(() => (state.done = true));
    let live: vscode.TreeItem | undefined;
    while (!live && !state.done) {
      const node = (await api.trees.cachedReads.getChildren()).find((n) => n.kind === 'live');
      if (node) live = api.trees.cachedReads.getTreeItem(node);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const result = await writing;
    assert.ok(result, `the write returned a result (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(result.totals.recordsConfirmed, 60000);
    assert.ok(live, 'the read showed live while the write ran');
    assert.equal(labelOf(live), 'rr-big → rr-big-dest (reading…)');
    assert.ok(
      (await api.trees.cachedReads.getChildren()).every((n) => n.kind !== 'live'),
      'the live row is gone once the write ended',
    );
    assert.ok(await nodeOf('rr-big'), 'the read is listed');
  });
});
