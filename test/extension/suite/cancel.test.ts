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
    const docker = await (await api.services()).docker();
    // Only containers this extension host started (the engine may be shared with other test runs).
    const syncContainers = async () =>
      docker.listContainers({
        all: true,
        filters: { label: ['io.airbyte-write.managed=true', `io.airbyte-write.owner-pid=${process.pid}`] },
      });
    const file = workspaceUri('hanging.airbyte.jsonc');
    await fs.writeFile(
      file.fsPath,
      JSON.stringify({
        connector: 'source-test',
        image: 'airbyte-write-test/source-test:dev',
        config: { record_count: 1000, fault: 'hang', fault_after: 5 },
      }),
    );
    try {
      const running = vscode.commands.executeCommand<WriteResult | undefined>('airbyte.writeToDestination', {
        source: file.fsPath,
        destination: 'sqlite.airbyte.jsonc',
      });
      let ended = false;
      void running.then(() => (ended = true));
      // Asks Docker every 100 ms until the source container runs (or the write ended: a failure).
      const ticks = new vscode.EventEmitter<void>();
      let containers = 0;
      let probing = false;
      const timer = setInterval(() => {
        if (probing) return;
        probing = true;
        syncContainers().then(
          (list) => {
            containers = list.filter((c) => c.Labels['io.airbyte-write.command'] === 'read').length;
            probing = false;
            ticks.fire();
          },
          () => {
            probing = false;
          },
        );
      }, 100);
      try {
        await waitForEvent(
          ticks.event,
          () => {
            if (ended)
              throw new Error(`the write ended before it could be cancelled (last error: ${api.lastCommandError?.message ?? 'none'})`);
            return containers > 0 && api.runner.liveRun ? true : undefined;
          },
          'the source container to read',
          60_000,
        );
      } finally {
        clearInterval(timer);
        ticks.dispose();
      }
      assert.match(api.runner.statusText ?? '', /^\$\(sync~spin\) Airbyte:/);

      const cancelled = await vscode.commands.executeCommand<boolean>('airbyte.cancelSync');
      assert.equal(cancelled, true);
      assert.equal(await running, undefined, 'a cancelled write resolves to undefined');
      assert.equal(api.runner.liveRun, undefined);
      assert.equal(api.runner.statusText, undefined, 'the status bar item is gone');
      // The executor contract: an aborted run's containers are removed within 10 s.
      const cancelledAt = Date.now();
      let left = await syncContainers();
      while (left.length > 0 && Date.now() - cancelledAt < 10_000) {
        await new Promise((r) => setTimeout(r, 200));
        left = await syncContainers();
      }
      console.log(`containers gone ${Date.now() - cancelledAt} ms after the cancelled write resolved`);
      assert.deepEqual(
        left.map((c) => `${c.Names.join(',')} ${c.State} ${c.Labels['io.airbyte-write.command']}`),
        [],
        'no container left',
      );

      api.trees.syncs.reload();
      const nodes = await api.trees.syncs.getChildren();
      const items = nodes.map((n) => api.trees.syncs.getTreeItem(n));
      const pair = items.find((i) => labelOf(i) === 'hanging → sqlite');
      assert.ok(pair, `the cancelled pair is listed (got ${items.map(labelOf).join('; ')})`);
      assert.match(String(pair.description), /^Cancelled/);
    } finally {
      await fs.rm(file.fsPath, { force: true });
    }
  });
});
