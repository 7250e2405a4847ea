// Editor features on *.airbyte.jsonc with the real specs of the registry sample in test/fixtures:
// diagnostics (waited for through onDidChangeDiagnostics), completion, hover, quick fixes and the
// status bar item naming the spec.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { closeAllEditors, extensionApi, waitForDiagnostics, waitForEvent, workspaceUri } from './testSupport';

const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

describe('language features', () => {
  before(async () => {
    await extensionApi();
  });
  afterEach(closeAllEditors);

  it('reports the wrong-typed port on its value and the missing database on the "config" key', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitForDiagnostics(
      uri,
      (d) => d.some((x) => codeOf(x) === 'config-type') && d.some((x) => codeOf(x) === 'config-missing-required'),
      'port type + missing database',
    );
    const port = diags.find((d) => codeOf(d) === 'config-type')!;
    assert.equal(port.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(doc.getText(port.range), '"five-four-three-two"');
    assert.match(port.message, /Port must be an integer/);
    const missing = diags.find((d) => codeOf(d) === 'config-missing-required')!;
    assert.equal(doc.getText(missing.range), '"config"');
    assert.match(missing.message, /database/);
    assert.ok(diags.every((d) => d.source === 'airbyte'));
  });

  it('re-validates as you type', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'config-type'), 'the port error');
    const value = '"five-four-three-two"';
    const start = doc.positionAt(doc.getText().indexOf(value));
    await editor.edit((e) => e.replace(new vscode.Range(start, start.translate(0, value.length)), '5432'));
    await waitForDiagnostics(
      uri,
      (d) => !d.some((x) => codeOf(x) === 'config-type') && d.some((x) => codeOf(x) === 'config-missing-required'),
      'port fixed, database still missing',
    );
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('completes the missing config properties of the postgres spec', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const anchor = '"schema": "public",';
    const at = doc.positionAt(doc.getText().indexOf(anchor) + anchor.length);
    await editor.edit((e) => e.insert(at, '\n    '));
    const pos = new vscode.Position(at.line + 1, 4);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('database'), `"database" offered (got ${labels.slice(0, 10).join(', ')})`);
    assert.ok(labels.includes('password'));
    assert.ok(!labels.includes('host'), 'a property already present is not offered again');
    const database = list.items.find((i) => i.label === 'database')!;
    assert.ok(database.insertText instanceof vscode.SnippetString, 'inserted as a snippet');
    assert.match((database.insertText as vscode.SnippetString).value, /"database"/);
    // Required fields come first.
    assert.ok(labels.indexOf('database') < labels.indexOf('jdbc_url_params'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('shows the field title and description on hover', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const pos = doc.positionAt(doc.getText().indexOf('"host"') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /\*\*Host\*\*/);
    assert.match(text, /Hostname of the database/);
  });

  it('applies the quick fix that adds the missing required field', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'config-missing-required'), 'missing database');
    const missing = diags.find((d) => codeOf(d) === 'config-missing-required')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      missing.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => /database/.test(a.title));
    assert.ok(fix?.edit, `a quick fix for the missing field (got ${actions.map((a) => a.title).join('; ')})`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.getText(), /"database": ""/);
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'config-missing-required'), 'no missing field after the fix');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('replaces a plaintext secret with an ${env:…} reference', async () => {
    const uri = workspaceUri('secret.airbyte.jsonc');
    await fs.writeFile(
      uri.fsPath,
      '{\n  "connector": "destination-postgres",\n  "config": {\n    "host": "db", "port": 5432, "database": "d", "schema": "public", "username": "u",\n    "password": "hunter2"\n  }\n}\n',
    );
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const diags = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'secret-plaintext'), 'plaintext secret warning');
      const warning = diags.find((d) => codeOf(d) === 'secret-plaintext')!;
      assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(doc.getText(warning.range), '"hunter2"');
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        warning.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = actions.find((a) => a.title.includes('env'));
      assert.ok(fix?.edit, 'an ${env:…} quick fix');
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(doc.getText(), /"password": "\$\{env:[A-Z_]+\}"/);
      assert.doesNotMatch(doc.getText(), /hunter2/);
      await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'secret-plaintext'), 'warning gone');
      await vscode.commands.executeCommand('workbench.action.files.revert');
    } finally {
      await closeAllEditors();
      await fs.rm(uri.fsPath, { force: true });
    }
  });

  it('offers the oneOf branches of an unknown SSL mode and applies the chosen one', async () => {
    const uri = workspaceUri('broken.airbyte.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf('"disable"');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + '"disable"'.length)), '"bogus"'));
    const diags = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'config-one-of'), 'the unknown oneOf branch');
    const oneOf = diags.find((d) => codeOf(d) === 'config-one-of')!;
    assert.match(oneOf.message, /disable, allow, prefer, require, verify-ca, verify-full/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      oneOf.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Use “require”'), `branch choices offered (got ${titles.join('; ')})`);
    assert.ok(await vscode.workspace.applyEdit(actions.find((a) => a.title === 'Use “require”')!.edit!));
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'config-one-of'), 'a valid branch');
    assert.match(doc.getText(), /"mode": "require"/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('names the spec in use in the status bar', async () => {
    const api = await extensionApi();
    const doc = await vscode.workspace.openTextDocument(workspaceUri('broken.airbyte.jsonc'));
    await vscode.window.showTextDocument(doc);
    const text = await waitForEvent(
      api.language.onDidChangeSpecStatus,
      () => (api.language.specStatusText?.includes('destination-postgres') ? api.language.specStatusText : undefined),
      'the spec status item',
    );
    assert.equal(text, '$(symbol-namespace) destination-postgres@3.0.16');
  });

  it('shows clean configs as valid in the Configs view, broken ones with errors', async () => {
    const api = await extensionApi();
    const source = workspaceUri('source.airbyte.jsonc');
    const broken = workspaceUri('broken.airbyte.jsonc');
    await api.trees.configs.getChildren();
    await waitForEvent(
      api.language.onDidValidate,
      () => (api.language.summary(source) && api.language.summary(broken) ? true : undefined),
      'both files validated',
    );
    assert.equal(api.language.summary(source)!.errors, 0);
    assert.ok(api.language.summary(broken)!.errors >= 2);
    const item = api.trees.configs.getTreeItem({ uri: broken });
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(item.contextValue, 'config.destination.docker');
    const ok = api.trees.configs.getTreeItem({ uri: source });
    assert.equal((ok.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(ok.contextValue, 'config.source.builtin');
  });
});
