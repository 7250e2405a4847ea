// Write to Destination through the command, for real: builtin:sample into the Docker test
// destination (airbyte-write-test/destination-test:dev) and into builtin:sqlite; the Syncs view,
// the run details panel, incremental second runs, and secrets kept out of what the user sees.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WriteResult } from '../../../src/core/write/writeResult';
import type { SyncNode } from '../../../src/extension/syncsTree';
import { extensionApi, labelOf, workspaceUri } from './testSupport';

async function syncRows(): Promise<{ node: SyncNode; item: vscode.TreeItem }[]> {
  const api = await extensionApi();
  api.trees.syncs.reload();
  const nodes = await api.trees.syncs.getChildren();
  return nodes.map((node) => ({ node, item: api.trees.syncs.getTreeItem(node) }));
}

/** The persisted text of an output channel, re-read (up to 10 s) until `ready` holds: VS Code writes it asynchronously. */
async function readOutputChannel(logDir: string, name: string, ready: (text: string) => boolean): Promise<string> {
  const hostLogs = path.dirname(logDir);
  const deadline = Date.now() + 10_000;
  let text = '';
  for (;;) {
    text = '';
    for (const dir of (await fs.readdir(hostLogs)).filter((d) => d.startsWith('output_logging_'))) {
      for (const file of await fs.readdir(path.join(hostLogs, dir)))
        if (file.endsWith(`-${name}.log`)) text += await fs.readFile(path.join(hostLogs, dir, file), 'utf8');
    }
    if (ready(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function lines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
}

describe('Write to Destination', function () {
  this.timeout(180_000);
  const secret = process.env.AIRBYTE_WRITE_TEST_API_KEY ?? 'harness-secret-api-key';

  it('writes builtin:sample into the Docker test destination and shows the run in the Syncs view', async () => {
    const api = await extensionApi();
    const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: 'source.airbyte.jsonc',
      destination: 'destination.airbyte.jsonc',
      strategy: 'auto',
    });
    assert.ok(result, `the write returned a result (last error: ${api.lastCommandError?.message ?? 'none'})`);
    const users = result.streams.find((s) => s.stream === 'users');
    assert.ok(users, `a users stream (got ${result.streams.map((s) => s.stream).join(', ')})`);
    assert.equal(users.recordsSent, 25, 'the sample source has count 25');
    assert.equal(users.recordsConfirmed, 25, 'every record confirmed by the destination');
    assert.equal(users.destinationSyncMode, 'append_dedup', 'auto + primary key = merge');
    // The destination wrote ./out/<stream>.jsonl in the workspace (its /local).
    assert.equal((await lines(workspaceUri('out', 'users.jsonl').fsPath)).length, 25);

    const rows = await syncRows();
    const pair = rows.find((r) => r.node.kind === 'pair' && labelOf(r.item) === 'source → destination');
    assert.ok(pair, `a "source → destination" row (got ${rows.map((r) => labelOf(r.item)).join('; ')})`);
    assert.match(String(pair.item.description), /^Succeeded · 75 records/);
    assert.equal((pair.item.iconPath as vscode.ThemeIcon).id, 'pass-filled');
    assert.equal(pair.item.contextValue, 'sync.succeeded');
    const runs = await api.trees.syncs.getChildren(pair.node);
    assert.equal(labelOf(api.trees.syncs.getTreeItem(runs[0])), `#${result.runId} Succeeded`);
    // Through the cache the write read first: its read run sits under the same pair.
    assert.match(labelOf(api.trees.syncs.getTreeItem(runs[1])), /^#\d+ Succeeded \(read into cache\)$/);
    // "Write to Destination" on the pair runs the config files run history recorded.
    assert.ok(pair.node.kind === 'pair');
    assert.deepEqual(await api.runner.argsOfPair(pair.node.pair), {
      source: workspaceUri('source.airbyte.jsonc').fsPath,
      destination: workspaceUri('destination.airbyte.jsonc').fsPath,
    });

    // The connector logs reached the run (masked): the test destination logs its api_key.
    const view = await api.runner.runView(String(result.runId));
    assert.ok(view, 'the run has a details view');
    assert.ok(
      view.logTail.some((l) => l.includes('api_key=')),
      'the destination log lines are in the tail',
    );
    assert.ok(!view.logTail.some((l) => l.includes(secret)), 'no secret in the log tail');

    // What the user reads in the "Airbyte Connectors" output channel (VS Code persists it beside our log folder).
    const channelText = await readOutputChannel(api.logDir, 'Airbyte Connectors', (t) => t.includes('api_key=****'));
    assert.match(channelText, /\[destination-test\] INFO  api_key=\*\*\*\*/);
    assert.ok(!channelText.includes(secret), 'the secret never reaches the output channel');
  });

  it('opens the run details panel for the run', async () => {
    const api = await extensionApi();
    const rows = await syncRows();
    const pair = rows.find((r) => r.node.kind === 'pair' && labelOf(r.item) === 'source → destination');
    assert.ok(pair && pair.node.kind === 'pair');
    const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('airbyte.openRunDetails', pair.node);
    assert.ok(panel, `a panel (last error: ${api.lastCommandError?.message ?? 'none'})`);
    assert.equal(panel.viewType, 'airbyte.runDetails');
    // The run number first: two tabs of one pair differ (the pair's newest run: the write through the cache).
    assert.equal(panel.title, `Airbyte Run #${String(pair.node.pair.runs[0].id)}: source → destination`);
    assert.match(panel.webview.html, /default-src 'none'/);
    assert.match(panel.webview.html, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.match(panel.webview.html, /id="streams-table"/);
    panel.dispose();
  });

  it('sends nothing new on a second run (incremental), and everything again with fullRefresh', async () => {
    const second = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: 'source.airbyte.jsonc',
      destination: 'destination.airbyte.jsonc',
    });
    assert.ok(second);
    assert.equal(second.totals.recordsSent, 0, 'nothing new to send');
    assert.equal((await lines(workspaceUri('out', 'users.jsonl').fsPath)).length, 25, 'no duplicates');
    const full = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: 'source.airbyte.jsonc',
      destination: 'destination.airbyte.jsonc',
      strategy: 'replace',
      fullRefresh: true,
    });
    assert.ok(full);
    assert.equal(full.streams.find((s) => s.stream === 'users')?.recordsSent, 25);
    assert.equal((await lines(workspaceUri('out', 'users.jsonl').fsPath)).length, 25, 'replaced, not appended');
  });

  it('writes only the chosen streams into builtin:sqlite (no Docker)', async () => {
    const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
      source: 'source.airbyte.jsonc',
      destination: 'sqlite.airbyte.jsonc',
      streams: ['users'],
      strategy: 'append',
    });
    assert.ok(result);
    assert.deepEqual(
      result.streams.map((s) => s.stream),
      ['users'],
    );
    assert.equal(result.totals.recordsConfirmed, 25);
    const stat = await fs.stat(workspaceUri('out', 'sample.sqlite').fsPath);
    assert.ok(stat.size > 0, 'the SQLite file exists');
    const rows = await syncRows();
    assert.ok(
      rows.some((r) => labelOf(r.item) === 'source → sqlite'),
      'the new pair is listed',
    );
  });

  it('shows a failure with the connector message and records it', async () => {
    const api = await extensionApi();
    const file = workspaceUri('failing.airbyte.jsonc');
    await fs.writeFile(
      file.fsPath,
      JSON.stringify({
        connector: 'destination-test',
        image: 'airbyte-write-test/destination-test:dev',
        localDir: 'out-failing',
        config: { fault: 'trace_error', fault_after: 3 },
      }),
    );
    try {
      const result = await vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
        source: 'source.airbyte.jsonc',
        destination: file.fsPath,
      });
      assert.equal(result, undefined, 'a failed write resolves to undefined after showing the error');
      assert.equal(api.lastCommandError?.command, 'airbyte.writeToDestination');
      const rows = await syncRows();
      const pair = rows.find((r) => labelOf(r.item) === 'source → failing');
      assert.ok(pair, 'the failed pair is listed');
      assert.match(String(pair.item.description), /^Failed/);
      assert.equal(pair.item.contextValue, 'sync.failed');
    } finally {
      await fs.rm(file.fsPath, { force: true });
    }
  });
});
