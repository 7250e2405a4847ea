// Activation, and the manifest against what the extension registers (both ways).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi, workspaceUri } from './testSupport';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    views: Record<string, { id: string; name: string }[]>;
    viewsContainers: { activitybar: { id: string; title: string }[] };
    configuration: { properties: Record<string, unknown> };
    languages: { id: string }[];
  };
}

function manifest(): Manifest {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension present');
  return JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as Manifest;
}

describe('activation', () => {
  it('activates in under 100 ms and reports the time', async () => {
    const api = await extensionApi();
    console.log(`activation time: ${api.activationMs.toFixed(1)} ms`);
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs > 0, 'a measured duration');
    assert.ok(api.activationMs < 100, `activate() took ${api.activationMs.toFixed(1)} ms (budget 100 ms)`);
  });

  it('activates lazily: on the language, a config in the workspace, a run details panel to restore, views and commands only', () => {
    const m = manifest();
    assert.deepEqual([...m.activationEvents].sort(), [
      'onLanguage:airbyte-jsonc',
      'onWebviewPanel:airbyte.runDetails',
      'workspaceContains:**/*.airbyte.jsonc',
    ]);
  });

  it('registers every command of package.json, and package.json lists every command it registers', async () => {
    await extensionApi();
    const m = manifest();
    const declared = m.contributes.commands.map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('airbyte.'));
    // VS Code derives commands from each view (focus, reset location…): those are not ours to declare.
    const viewIds = Object.values(m.contributes.views)
      .flat()
      .map((v) => v.id);
    const ours = registered.filter((c) => !viewIds.some((id) => c.startsWith(`${id}.`))).sort();
    for (const c of declared) assert.ok(registered.includes(c), `${c} is declared but not registered`);
    assert.deepEqual(ours, declared, 'registered airbyte.* commands equal the declared ones');
    for (const c of m.contributes.commands) assert.equal(c.category, 'Airbyte', `${c.command} has the Airbyte category`);
  });

  it('contributes the Airbyte views, each backed by a tree', async () => {
    const api = await extensionApi();
    const m = manifest();
    assert.deepEqual(
      m.contributes.viewsContainers.activitybar.map((c) => c.id),
      ['airbyte'],
    );
    assert.deepEqual(
      m.contributes.views.airbyte.map((v) => v.id),
      ['airbyte.connectors', 'airbyte.configs', 'airbyte.syncs', 'airbyte.cachedReads'],
    );
    const registered = await vscode.commands.getCommands(true);
    for (const v of m.contributes.views.airbyte) assert.ok(registered.includes(`${v.id}.focus`), `view ${v.id} exists in the workbench`);
    await vscode.commands.executeCommand('airbyte.configs.focus');
    const configs = await api.trees.configs.getChildren();
    const names = configs.map((c) => path.basename(c.uri.fsPath)).sort();
    assert.deepEqual(names, ['broken.airbyte.jsonc', 'destination.airbyte.jsonc', 'source.airbyte.jsonc', 'sqlite.airbyte.jsonc']);
  });

  it('declares every setting the Config class reads, and nothing else', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension present');
    const source = fs.readFileSync(path.join(ext.extensionPath, 'src', 'extension', 'config.ts'), 'utf8');
    const read = [...source.matchAll(/\.get<[^>]+>\('([A-Za-z]+)'\)/g)].map((m) => `airbyte.${m[1]}`);
    // The airbyte.platform.* settings are read in one place of their own.
    const platform = fs.readFileSync(path.join(ext.extensionPath, 'src', 'extension', 'platformAccess.ts'), 'utf8');
    read.push(...[...platform.matchAll(/\.get<[^>]+>\('([A-Za-z]+)'\)/g)].map((m) => `airbyte.platform.${m[1]}`));
    const declared = Object.keys(manifest().contributes.configuration.properties);
    assert.ok(read.length >= 7, `found the settings Config reads (${read.join(', ')})`);
    assert.deepEqual([...new Set(read)].sort(), [...declared].sort());
    const cfg = vscode.workspace.getConfiguration('airbyte');
    assert.equal(cfg.get('stateFile'), '.airbyte/state.sqlite');
    assert.equal(cfg.get('defaultWriteStrategy'), 'auto');
    assert.equal(cfg.get('idleTimeoutSeconds'), 600);
    assert.equal(cfg.get('allowLocalDirOutsideWorkspace'), false);
  });

  it('opens *.airbyte.jsonc files in the airbyte-jsonc language', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('source.airbyte.jsonc'));
    assert.equal(doc.languageId, 'airbyte-jsonc');
  });
});
