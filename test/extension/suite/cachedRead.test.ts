// A cached read as the source of Write to Destination, for real: the CLI reads a builtin:sample
// config into the workspace store (as a user would in the terminal), then the command writes
// `cache:<runId>` into a builtin:sqlite config, the quick pick offers the read, and a second write
// of the same read sends nothing the destination already confirmed.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WriteResult } from '../../../src/core/write/writeResult';
import { EXTENSION_ID, extensionApi, labelOf, workspaceDir } from './testSupport';

function runCli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(extensionPath, 'dist', 'cli.js'), ...args],
      { cwd, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('Write to Destination from a cached read', function () {
  this.timeout(180_000);
  // Their own configs: a source identity and a destination no other test writes, so that counts
  // do not depend on the order the suite runs in.
  const sourceFile = 'cached-source.airbyte.jsonc';
  const destinationFile = 'cached-dest.airbyte.jsonc';
  let readRunId: number;

  before(async () => {
    const dir = workspaceDir();
    await fs.writeFile(
      path.join(dir, sourceFile),
      '// The sample source read into the cache by the CLI.\n{ "connector": "builtin:sample", "config": { "count": 30, "seed": 11 } }\n',
    );
    await fs.writeFile(
      path.join(dir, destinationFile),
      '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/cached-read.sqlite" } }\n',
    );
  });

  after(async () => {
    const dir = workspaceDir();
    await fs.rm(path.join(dir, sourceFile), { force: true });
    await fs.rm(path.join(dir, destinationFile), { force: true });
  });

  it('"airbyte-write read" in the workspace prints the run id of the read', async () => {
    const dir = workspaceDir();
    const store = path.join(dir, '.airbyte', 'state.sqlite');
    const r = await runCli(['read', '--source', sourceFile, '--state-file', store], dir);
    assert.equal(r.code, 0, `airbyte-write read failed: ${r.stderr}`);
    const m = /write --source cache:(\d+) --destination/.exec(r.stdout);
    assert.ok(m, `the read printed how to reuse it:\n${r.stdout}`);
    readRunId = Number(m[1]);
  });

  it('the source quick pick offers the read with its source, streams, counts and age', async () => {
    const api = await extensionApi();
    const reads = await api.runner.cachedReads();
    const item = reads.find((r) => r.runId === String(readRunId));
    assert.ok(item, `cache:${readRunId} is offered (got ${reads.map((r) => `${r.runId} ${r.label}`).join('; ') || 'nothing'})`);
    // Named as run history recorded the read: its config file, then its connector.
    assert.match(item.label, new RegExp(`^cached-source \\(read #${readRunId}\\)$`));
    assert.match(item.description, /^90 records · just now$/);
    assert.match(item.detail, /^builtin:sample · /);
    for (const stream of ['users 30', 'purchases 30', 'products 30'])
      assert.ok(item.detail.includes(stream), `${stream} in "${item.detail}"`);
    const streams = await api.runner.listStreams(`cache:${readRunId}`, new AbortController().signal);
    assert.deepEqual(streams.map((s) => `${s.name}: ${s.description}`).sort(), [
      'products: 30 records cached',
      'purchases: 30 records cached',
      'users: 30 records cached',
    ]);
  });

  it('{source: "cache:<runId>"} writes the cached records; a second write sends nothing new', async () => {
    const api = await extensionApi();
    const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: `cache:${readRunId}`,
      destination: destinationFile,
      strategy: 'auto',
    });
    assert.ok(result, `the write returned a result (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(result.mode, 'replay', 'the records came from the cache, no source ran');
    assert.equal(result.source, 'builtin:sample');
    assert.deepEqual(result.streams.map((s) => [s.stream, s.recordsRead, s.recordsSent, s.recordsConfirmed]).sort(), [
      ['products', 0, 30, 30],
      ['purchases', 0, 30, 30],
      ['users', 0, 30, 30],
    ]);
    const written = await fs.stat(path.join(workspaceDir(), 'out', 'cached-read.sqlite'));
    assert.ok(written.size > 0, 'the destination wrote its SQLite file');

    // The run history has the replay, and the Syncs view shows it under the source and the destination config.
    const services = await api.services();
    const store = await services.openStore(vscode.workspace.workspaceFolders![0], false);
    try {
      const run = store.runs.get(result.runId);
      assert.equal(run?.mode, 'replay');
      assert.equal(run?.recordsConfirmed, 90);
    } finally {
      await store.close();
    }
    api.trees.syncs.reload();
    const rows = (await api.trees.syncs.getChildren()).map((node) => ({ node, item: api.trees.syncs.getTreeItem(node) }));
    // The replay is named after the source config the read was made from, as run history recorded it.
    const pair = rows.find((r) => r.node.kind === 'pair' && labelOf(r.item) === 'cached-source → cached-dest');
    assert.ok(pair, `a "cached-source → cached-dest" row (got ${rows.map((r) => labelOf(r.item)).join('; ')})`);
    assert.match(String(pair.item.description), /^Succeeded · 90 records/);

    const again = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: `cache:${readRunId}`,
      destination: destinationFile,
      strategy: 'auto',
    });
    assert.ok(again, `the second write returned a result (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(again.totals.recordsSent, 0, 'the destination had confirmed every cached record');
    assert.ok(again.runId > result.runId);
  });

  it('a run id that is not a cached read fails with the reads there are', async () => {
    const api = await extensionApi();
    const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: 'cache:987654',
      destination: destinationFile,
    });
    assert.equal(result, undefined);
    assert.equal(api.lastCommandError?.command, 'airbyte.writeToDestination');
    assert.match(api.lastCommandError?.message ?? '', /Run 987654 is not in the run history/);
  });
});
