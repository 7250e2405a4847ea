// The Airbyte platform from the editor, in a real extension host: a pair deployed and run against the
// FAKE platform (test/harness/fakePlatform.ts) behind Prism's validating proxy, credentials set through
// the command that keeps them in SecretStorage, the instance URL and workspace through the settings.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeployResult } from '../../../src/core/platform/platformDeploy';
import type { PlatformJob } from '../../../src/core/platform/platformJobs';
import type { PlatformNode } from '../../../src/extension/platformTree';
import type { FakePlatform } from '../../harness/fakePlatform';
import { startFakePlatform } from '../../harness/fakePlatform';
import type { PrismProxy } from '../../harness/prismProxy';
import { startPrismProxy } from '../../harness/prismProxy';
import { waitUntil } from '../../harness/waitUntil';
import { extensionApi, labelOf, workspaceDir } from './testSupport';

const SECRET = 'ext-platform-secret-3b9e';

describe('Airbyte platform', function () {
  this.timeout(180_000);
  let fake: FakePlatform;
  let prism: PrismProxy;
  let dir: string;
  const settings = () => vscode.workspace.getConfiguration('airbyte.platform');

  before(async () => {
    fake = await startFakePlatform();
    prism = await startPrismProxy(fake.url);
    dir = path.join(workspaceDir(), 'platform-test');
    await fs.mkdir(dir, { recursive: true });
    process.env.EXT_PLATFORM_SECRET = SECRET;
    await fs.writeFile(
      path.join(dir, 'faker.airbyte.jsonc'),
      '{ "connector": "source-faker", "config": { "count": 10, "api_key": "${env:EXT_PLATFORM_SECRET}" } }',
    );
    await fs.writeFile(
      path.join(dir, 'duck.airbyte.jsonc'),
      '{ "connector": "destination-duckdb", "config": { "destination_path": "md:x" } }',
    );
    await settings().update('apiUrl', prism.url, vscode.ConfigurationTarget.Workspace);
    await settings().update('workspaceId', fake.workspaceId, vscode.ConfigurationTarget.Workspace);
    await settings().update('pollSeconds', 0.2, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('airbyte.platform.setCredentials', { clientId: fake.clientId, clientSecret: fake.clientSecret });
  });

  after(async () => {
    await vscode.commands.executeCommand('airbyte.platform.setCredentials', { clientId: '', clientSecret: '' });
    for (const key of ['apiUrl', 'workspaceId', 'pollSeconds'])
      await settings().update(key, undefined, vscode.ConfigurationTarget.Workspace);
    await fs.rm(dir, { recursive: true, force: true });
    await prism?.close();
    await fake?.close();
  });

  /** The platform's connection rows (shown in the Syncs view), as freshly loaded. */
  async function connectionRows(): Promise<Array<Extract<PlatformNode, { kind: 'connection' }>>> {
    const tree = (await extensionApi()).platformTree;
    tree.reload();
    return (await tree.rows()).filter((n): n is Extract<PlatformNode, { kind: 'connection' }> => n.kind === 'connection');
  }

  it('deploys a pair and runs it; the Syncs view shows the connection and its job running, then finished', async () => {
    const api = await extensionApi();
    const source = path.join(dir, 'faker.airbyte.jsonc');
    const destination = path.join(dir, 'duck.airbyte.jsonc');
    const deployed = (await vscode.commands.executeCommand('airbyte.platform.deploy', { source, destination })) as DeployResult;
    assert.ok(deployed, JSON.stringify(api.lastCommandError));
    assert.equal(deployed.connection.action, 'created');
    assert.equal(fake.sources.size, 1);
    assert.deepEqual([...fake.sources.values()][0]!.configuration, { count: 10, api_key: SECRET });
    // Deployed again from the editor: updated in place, nothing new.
    const again = (await vscode.commands.executeCommand('airbyte.platform.deploy', { source, destination })) as DeployResult;
    assert.equal(again.connection.id, deployed.connection.id);
    assert.equal(fake.connections.size, 1);

    // The Syncs view shown, so that it polls while the job runs.
    await vscode.commands.executeCommand('airbyte.syncs.focus');
    fake.jobScripts.push({ outcome: 'succeeded', steps: 8, rows: 640 });
    const running = vscode.commands.executeCommand('airbyte.platform.run', {
      connectionId: deployed.connection.id,
      name: deployed.connection.name,
    });
    // What the Syncs view shows after the local pairs: the deployed connection, its jobs beneath.
    const syncs = api.trees.syncs;
    const platformConnection = async () => (await syncs.getChildren()).find((n) => n.kind === 'platform' && n.node.kind === 'connection');
    const jobStatus = async (status: string) => {
      const row = await platformConnection();
      const item = row && syncs.getTreeItem(row);
      return item && String(item.description).startsWith(`on Airbyte · ${status}`) ? item : undefined;
    };
    await waitUntil(() => jobStatus('running'), 'the view to show the job running');
    const job = (await running) as PlatformJob;
    assert.equal(job.status, 'succeeded', JSON.stringify(api.lastCommandError));
    assert.equal(job.rowsSynced, 640);
    await waitUntil(() => jobStatus('succeeded'), 'the view to show the job succeeded');
    const row = await platformConnection();
    assert.equal(labelOf(syncs.getTreeItem(row!)), 'faker → duck');
    const jobs = await syncs.getChildren(row);
    assert.equal(labelOf(syncs.getTreeItem(jobs[0]!)), `Job ${job.jobId} succeeded`);
    assert.match(String(syncs.getTreeItem(jobs[0]!).description), /640 rows/);
    assert.equal((await connectionRows()).length, 1);

    // The job's run details open from its row's command, as a local run's do.
    const open = syncs.getTreeItem(jobs[0]!).command!;
    await vscode.commands.executeCommand(open.command, ...(open.arguments ?? []));
    const panel = api.panels.panel(`platform-${job.jobId}`);
    assert.ok(panel, 'the run details panel of the job is open');
    assert.equal(panel.title, `Airbyte Run #platform-${job.jobId}: faker → duck`);
    const view = await api.runner.runView(`platform-${job.jobId}`);
    assert.equal(view?.status, 'Succeeded');
    assert.equal(view?.streams[0]?.confirmed, 640);
    assert.match(view?.logTail.join('\n') ?? '', /\/connections\/[0-9a-f-]+\/timeline#\d+/);
  });

  it('deploys from a past local sync in the Syncs view: the same pair, updated in place', async () => {
    const api = await extensionApi();
    const source = path.join(dir, 'faker.airbyte.jsonc');
    const destination = path.join(dir, 'duck.airbyte.jsonc');
    // A Syncs row carries its pair, with the config files the pair last ran from.
    const row = {
      kind: 'pair',
      pair: { source: 'faker', destination: 'duck', sourceConfigPath: source, destinationConfigPath: destination },
    };
    const result = (await vscode.commands.executeCommand('airbyte.platform.deploy', row)) as DeployResult;
    assert.ok(result, JSON.stringify(api.lastCommandError));
    assert.equal(result.connection.action, 'unchanged');
    assert.equal(fake.connections.size, 1);
    assert.equal(fake.sources.size, 1);
  });

  it('a platform that stops answering is one row in the Syncs view, above its connections; the other views keep working', async () => {
    const api = await extensionApi();
    // Prism gone: the platform's address refuses connections (run last: after() stops it anyway).
    await prism.close();
    api.trees.syncs.reload();
    const rows = (await api.trees.syncs.getChildren()).filter((n) => n.kind === 'platform');
    assert.equal(rows[0]?.kind === 'platform' && rows[0].node.kind, 'message');
    const said = labelOf(api.trees.syncs.getTreeItem(rows[0]!));
    assert.ok(said.startsWith(`The Airbyte platform at ${prism.url} cannot be reached`), said);
    assert.deepEqual(
      rows.slice(1).map((r) => labelOf(api.trees.syncs.getTreeItem(r))),
      ['faker → duck'],
    );
    assert.ok((await api.trees.configs.getChildren()).length > 0);
  });
});
