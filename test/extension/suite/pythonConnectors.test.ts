// "Install Connector" and the Connectors view's venv mark, in a real VS Code with real python3,
// venv and pip: the project's Python test connector built into a wheel named like the registry's
// source-faker package, installed into the extension's storage, then shown as installed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConnectorNode } from '../../../src/extension/connectorsTree';
import { buildTestWheel, requirePython3 } from '../../harness/pythonConnectors';
import { closeAllEditors, extensionApi, labelOf, workspaceUri } from './testSupport';

describe('Python connectors (venv)', function () {
  this.timeout(120_000);
  let wheels: string;
  let folder: string | undefined;
  const config = workspaceUri('py-faker.airbyte.jsonc');

  before(async () => {
    requirePython3();
    wheels = await fs.mkdtemp(path.join(os.tmpdir(), 'aw-ext-wheels-'));
    const wheel = buildTestWheel(wheels, '7.2.1', { name: 'airbyte-source-faker', scripts: { 'source-faker': 'pysample.source:main' } });
    // This machine reaches no package index: pip is told so through its own variable (the extension shares this process).
    process.env.PIP_NO_INDEX = '1';
    const doc = { connector: 'source-faker', pipUrl: wheel, version: '7.2.1', config: { count: 3 } };
    await fs.writeFile(config.fsPath, JSON.stringify(doc, null, 2));
  });
  after(async () => {
    await closeAllEditors();
    delete process.env.PIP_NO_INDEX;
    await fs.rm(config.fsPath, { force: true });
    await fs.rm(wheels, { recursive: true, force: true });
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  });

  it('installs the venv with progress, and the Connectors view marks the connector installed', async () => {
    const api = await extensionApi();
    const services = await api.services();
    folder = await vscode.commands.executeCommand<string | undefined>('airbyte.installConnector', config);
    assert.ok(folder, 'the command returns the venv folder');
    assert.ok(folder.startsWith(path.join(services.venvRoot, 'source-faker') + path.sep), `${folder} is in the extension's storage`);
    const marker = JSON.parse(await fs.readFile(path.join(folder, 'airbyte-write-venv.json'), 'utf8'));
    assert.equal(marker.distribution, 'airbyte-source-faker');
    assert.equal(marker.version, '7.2.1');

    const sources = (await api.trees.connectors.getChildren()).find((n) => n.kind === 'group' && n.group === 'source') as ConnectorNode;
    const faker = (await api.trees.connectors.getChildren(sources))
      .map((n) => api.trees.connectors.getTreeItem(n))
      .find((i) => labelOf(i) === 'Sample Data');
    assert.ok(faker, 'faker is listed');
    assert.match(String(faker.description), /^source-faker · .* · ● venv 7\.2\.1$/);
    assert.equal(faker.contextValue, 'connector.docker.source.pypi.venv');

    // The config's connector now runs from that venv: its check is the Python connector's.
    const connector = await services.connectorFromFile(config.fsPath, { type: 'source' });
    assert.equal((await connector.check()).status, 'SUCCEEDED');
    assert.match(connector.runsOn(), /^venv python3\.\d+$/);
  });
});
