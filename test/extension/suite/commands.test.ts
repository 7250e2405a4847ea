// The other commands and views against real parts: the registry sample, built-ins, a Docker
// connector's spec and check, New Connector Config, Reset State, and settings applied live.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WriteResult } from '../../../src/core/write/writeResult';
import type { ConnectorNode } from '../../../src/extension/connectorsTree';
import { closeAllEditors, extensionApi, labelOf, waitForDiagnostics, workspaceDir, workspaceUri } from './testSupport';

async function rootGroups(): Promise<Record<string, number>> {
  const api = await extensionApi();
  const nodes = await api.trees.connectors.getChildren();
  return Object.fromEntries(
    nodes.filter((n): n is Extract<ConnectorNode, { kind: 'group' }> => n.kind === 'group').map((n) => [n.group, n.count]),
  );
}

describe('commands and views', function () {
  this.timeout(120_000);
  afterEach(closeAllEditors);

  it('lists registry destinations and sources plus the built-ins in the Connectors view', async () => {
    const api = await extensionApi();
    assert.deepEqual(await rootGroups(), { destination: 12, source: 3, builtin: 4 });
    const builtinGroup = (await api.trees.connectors.getChildren()).find((n) => n.kind === 'group' && n.group === 'builtin')!;
    const builtins = (await api.trees.connectors.getChildren(builtinGroup)).map((n) => api.trees.connectors.getTreeItem(n));
    assert.deepEqual(builtins.map((i) => String(i.description).split(' · ')[0]).sort(), [
      'builtin:dev-null',
      'builtin:jsonl',
      'builtin:sample',
      'builtin:sqlite',
    ]);
    assert.ok(builtins.every((i) => /^connector\.builtin\.(source|destination)$/.test(String(i.contextValue))));
    const destGroup = (await api.trees.connectors.getChildren()).find((n) => n.kind === 'group' && n.group === 'destination')!;
    const pg = (await api.trees.connectors.getChildren(destGroup))
      .map((n) => api.trees.connectors.getTreeItem(n))
      .find((i) => labelOf(i) === 'Postgres');
    assert.ok(pg);
    assert.equal(pg.description, 'destination-postgres · certified · v3.0.16');
    assert.equal(pg.contextValue, 'connector.docker.destination');
  });

  it('filters the Connectors view', async () => {
    await vscode.commands.executeCommand('airbyte.filterConnectors', 'duck');
    try {
      assert.deepEqual(await rootGroups(), { destination: 2 });
    } finally {
      await vscode.commands.executeCommand('airbyte.filterConnectors', '');
    }
    assert.deepEqual(await rootGroups(), { destination: 12, source: 3, builtin: 4 });
  });

  it('knows which connector images are present locally (Docker asked lazily)', async () => {
    const api = await extensionApi();
    const images = await (await api.services()).localImages(true);
    assert.ok(images.has('airbyte-write-test/destination-test:dev'), `local images: ${[...images].join(', ')}`);
  });

  it('shows a registry connector spec as a read-only JSON document', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument | undefined>('airbyte.showSpec', {
      connector: 'destination-postgres',
    });
    assert.ok(doc);
    assert.equal(doc.uri.scheme, 'airbyte-spec');
    assert.equal(doc.languageId, 'json');
    const spec = JSON.parse(doc.getText()) as { connectionSpecification: { required: string[] } };
    assert.deepEqual(spec.connectionSpecification.required, ['host', 'port', 'database', 'schema', 'username']);
  });

  it("reads a Docker connector's spec from its image for a config naming an image", async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument | undefined>(
      'airbyte.showSpec',
      workspaceUri('destination.airbyte.jsonc'),
    );
    assert.ok(doc);
    const spec = JSON.parse(doc.getText()) as { connectionSpecification: { properties: Record<string, { airbyte_secret?: boolean }> } };
    assert.equal(spec.connectionSpecification.properties.api_key.airbyte_secret, true);
  });

  it('checks a connection: a built-in succeeds, a rejected key fails with the masked connector message', async () => {
    const api = await extensionApi();
    const ok = await vscode.commands.executeCommand<{ ok: boolean } | undefined>(
      'airbyte.checkConnection',
      workspaceUri('source.airbyte.jsonc'),
    );
    assert.deepEqual(ok && ok.ok, true, `check succeeded (last error: ${api.lastCommandError?.message ?? 'none'})`);
    const file = workspaceUri('rejected.airbyte.jsonc');
    await fs.writeFile(
      file.fsPath,
      JSON.stringify({ connector: 'destination-test', image: 'airbyte-write-test/destination-test:dev', config: { api_key: 'invalid' } }),
    );
    try {
      const failed = await vscode.commands.executeCommand('airbyte.checkConnection', file);
      assert.equal(failed, undefined);
      assert.equal(api.lastCommandError?.command, 'airbyte.checkConnection');
      assert.match(api.lastCommandError.message, /Authentication failed/);
      assert.doesNotMatch(api.lastCommandError.message, /api_key invalid/, 'the secret is masked');
    } finally {
      await fs.rm(file.fsPath, { force: true });
    }
  });

  it('reports an image that cannot be pulled, naming it', async () => {
    const api = await extensionApi();
    // Nothing listens on port 9: the engine's pull fails at once, as it would for a typo or no network.
    const result = await vscode.commands.executeCommand('airbyte.pullImage', { image: '127.0.0.1:9/airbyte/destination-nothing:1.0.0' });
    assert.equal(result, undefined);
    assert.equal(api.lastCommandError?.command, 'airbyte.pullImage');
    assert.match(api.lastCommandError.message, /Could not pull 127\.0\.0\.1:9\/airbyte\/destination-nothing:1\.0\.0/);
  });

  it('scaffolds a new config from the spec, listed in the Configs view and validated', async () => {
    const api = await extensionApi();
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('airbyte.newConfig', {
      connector: 'destination-duckdb',
      fileName: 'duck.airbyte.jsonc',
    });
    assert.ok(uri, `a file was created (last error: ${api.lastCommandError?.message ?? 'none'})`);
    try {
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, uri.fsPath);
      assert.equal(editor.document.languageId, 'airbyte-jsonc');
      const text = editor.document.getText();
      assert.match(text, /"connector": "destination-duckdb"/);
      assert.match(text, /"destination_path": /);
      await editor.document.save();
      // Valid as scaffolded: no errors (placeholders hold defaults or examples).
      await waitForDiagnostics(
        uri,
        (d) => d.every((x) => x.severity !== vscode.DiagnosticSeverity.Error) && api.language.summary(uri) !== undefined,
        'a validated scaffold',
      );
      api.trees.configs.reload();
      const names = (await api.trees.configs.getChildren()).map((n) => path.basename(n.uri.fsPath));
      assert.ok(names.includes('duck.airbyte.jsonc'));
    } finally {
      await closeAllEditors();
      await fs.rm(uri.fsPath, { force: true });
    }
  });

  it('resets the state of a pair so the next write reads everything again', async () => {
    const api = await extensionApi();
    const write = () =>
      vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
        source: 'source.airbyte.jsonc',
        destination: 'jsonl.airbyte.jsonc',
        streams: ['products'],
        strategy: 'append',
      });
    await fs.writeFile(
      workspaceUri('jsonl.airbyte.jsonc').fsPath,
      JSON.stringify({ connector: 'builtin:jsonl', config: { destination_path: 'out/jsonl' } }),
    );
    try {
      const first = await write();
      assert.equal(first?.totals.recordsSent, 25, `first write (last error: ${api.lastCommandError?.message ?? 'none'})`);
      assert.equal((await write())?.totals.recordsSent, 0, 'incremental: nothing new');
      api.trees.syncs.reload();
      const pairNode = (await api.trees.syncs.getChildren()).find(
        (n) => n.kind === 'pair' && n.pair.source === 'source' && n.pair.destination === 'jsonl',
      );
      assert.ok(pairNode && pairNode.kind === 'pair');
      assert.equal(await vscode.commands.executeCommand('airbyte.resetState', { pair: pairNode.pair, confirm: true }), true);
      assert.equal((await write())?.totals.recordsSent, 25, 'after the reset everything is read again');
    } finally {
      await fs.rm(workspaceUri('jsonl.airbyte.jsonc').fsPath, { force: true });
    }
  });

  it('applies a changed registry setting without a reload, marking connectors whose image is local', async () => {
    const api = await extensionApi();
    const sample = JSON.parse(await fs.readFile(workspaceUri('registry.sample.json').fsPath, 'utf8')) as {
      sources: unknown[];
      destinations: Record<string, unknown>[];
    };
    const postgres = sample.destinations.find((d) => String(d.dockerRepository).endsWith('/destination-postgres'))!;
    // An entry whose pinned image is present in the engine, to see the "local" mark.
    const testDestination = {
      ...postgres,
      name: 'Test Destination',
      dockerRepository: 'airbyte-write-test/destination-test',
      dockerImageTag: 'dev',
      destinationDefinitionId: '00000000-0000-4000-8000-000000000001',
    };
    const small = { sources: [], destinations: [postgres, testDestination] };
    await fs.writeFile(path.join(workspaceDir(), 'small-registry.json'), JSON.stringify(small));
    const settings = vscode.workspace.getConfiguration('airbyte');
    // The view redraws only while visible.
    await vscode.commands.executeCommand('airbyte.connectors.focus');
    const redrawn = () =>
      new Promise<void>((resolve) => {
        const sub = api.trees.connectors.onDidChangeTreeData(() => {
          sub.dispose();
          resolve();
        });
      });
    let changed = redrawn();
    await settings.update('registryUrl', 'small-registry.json', vscode.ConfigurationTarget.Workspace);
    try {
      await changed;
      assert.deepEqual(await rootGroups(), { destination: 2, source: 0, builtin: 4 });
      const group = (await api.trees.connectors.getChildren()).find((n) => n.kind === 'group' && n.group === 'destination')!;
      // The first expansion asks Docker in the background and redraws when it answers.
      const itemsOf = async () => (await api.trees.connectors.getChildren(group)).map((n) => api.trees.connectors.getTreeItem(n));
      let items = await itemsOf();
      const deadline = Date.now() + 30_000;
      while (!/● local/.test(String(items.find((i) => labelOf(i) === 'Test Destination')?.description)) && Date.now() < deadline) {
        await Promise.race([redrawn(), new Promise((r) => setTimeout(r, 1_000))]);
        items = await itemsOf();
      }
      const local = items.find((i) => labelOf(i) === 'Test Destination')!;
      assert.match(String(local.description), /● local$/);
      assert.equal(local.contextValue, 'connector.docker.destination.local');
      assert.doesNotMatch(String(items.find((i) => labelOf(i) === 'Postgres')!.description), /local/);
    } finally {
      changed = redrawn();
      await settings.update('registryUrl', 'registry.sample.json', vscode.ConfigurationTarget.Workspace);
      await changed;
      await fs.rm(path.join(workspaceDir(), 'small-registry.json'), { force: true });
    }
    assert.deepEqual(await rootGroups(), { destination: 12, source: 3, builtin: 4 });
  });
});
