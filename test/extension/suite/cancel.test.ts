// Cancel: a source that hangs mid-read, cancelled through airbyte.cancelSync while the status bar
// says it runs; no container may be left and the run is recorded as cancelled.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { WriteResult } from '../../../src/core/write/writeResult';
import { extensionApi, labelOf, waitForEvent, workspaceUri } from './testSupport';

describe('Cancel Sync', function () {
  this.timeout(120_000);

  it('stops a hanging source, removes its container and records the run as cancelled', async () => {
    const api = await extensionApi();
    const file = workspaceUri('hanging.airbyte.jsonc');
    await fs.writeFile(file.fsPath, JSON.stringify({ connector: 'source-test', image: 'airbyte-write-test/source-test:dev', config: { record_count: 1000, fault: 'hang', fault_after: 5 } }));
    try {
      const running = vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', { source: file.fsPath, destination: 'sqlite.airbyte.jsonc' });
      // Wait until the source has produced its first records (then it hangs).
      const ticks = new vscode.EventEmitter<void>();
      const timer = setInterval(() => ticks.fire(), 100);
      try {
        await waitForEvent(ticks.event, () => ((api.runner.liveRun?.view.streams.some((s) => s.read > 0) ?? false) ? true : undefined), 'the hanging source to start', 60_000);
      } finally {
        clearInterval(timer);
        ticks.dispose();
      }
      assert.match(api.runner.statusText ?? '', /^\$\(sync~spin\) Airbyte:/);
      const docker = await (await api.services()).docker();
      const before = await docker.listContainers({ all: true, filters: { label: ['io.airbyte-write.managed=true'] } });
      assert.ok(before.length >= 1, 'the source container runs');

      const cancelled = await vscode.commands.executeCommand<boolean>('airbyte.cancelSync');
      assert.equal(cancelled, true);
      assert.equal(await running, undefined, 'a cancelled write resolves to undefined');
      assert.equal(api.runner.liveRun, undefined);
      assert.equal(api.runner.statusText, undefined, 'the status bar item is gone');
      const after = await docker.listContainers({ all: true, filters: { label: ['io.airbyte-write.managed=true'] } });
      assert.deepEqual(after.map((c) => c.Names), [], 'no container left');

      api.trees.syncs.reload();
      const nodes = await api.trees.syncs.getChildren();
      const pair = nodes.map((n) => api.trees.syncs.getTreeItem(n)).find((i) => labelOf(i) === 'source-test → sqlite' || labelOf(i) === 'hanging → sqlite');
      assert.ok(pair, `the cancelled pair is listed (got ${nodes.map((n) => labelOf(api.trees.syncs.getTreeItem(n))).join('; ')})`);
      assert.match(String(pair.description), /^Cancelled/);
    } finally {
      await fs.rm(file.fsPath, { force: true });
    }
  });
});
