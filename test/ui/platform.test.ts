// The Airbyte platform from the workbench, driven by keyboard as a person would: the packaged VSIX in
// code-server, headless Chromium, a pair deployed with "Airbyte: Deploy to Airbyte…" and run with
// "Airbyte: Run on Airbyte" from the palette against the FAKE platform (test/harness/fakePlatform.ts)
// behind Prism's validating proxy; the Syncs view shows the platform connection and its job
// finishing. The instance and workspace come from the workspace settings, the credentials from
// PyAirbyte's environment variables given to code-server (what the extension falls back to without
// SecretStorage entries).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { FakePlatform } from '../harness/fakePlatform';
import { startFakePlatform } from '../harness/fakePlatform';
import type { PrismProxy } from '../harness/prismProxy';
import { startPrismProxy } from '../harness/prismProxy';
import { startUiSession, type UiSession } from '../harness/uiSession';
import { notifications, openViewContainer, pickQuickItem, runCommand, slowTimeoutMs, treeRows, viewPane } from '../harness/workbench';

const SECRET = 'ui-platform-secret-8a41';

describe('Airbyte platform in the workbench (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  let session: UiSession;
  let fake: FakePlatform;
  let prism: PrismProxy;
  let page: Page;
  const step = (name: string, body: () => Promise<void>) => session.step(name, body);

  before(async () => {
    fake = await startFakePlatform();
    prism = await startPrismProxy(fake.url);
    session = await startUiSession({
      prefix: 'platform',
      env: { UI_PLATFORM_SECRET: SECRET, AIRBYTE_CLOUD_CLIENT_ID: fake.clientId, AIRBYTE_CLOUD_CLIENT_SECRET: fake.clientSecret },
      prepare: async (dir) => {
        await fs.writeFile(
          path.join(dir, 'faker.airbyte.jsonc'),
          '{ "connector": "source-faker", "config": { "count": 10, "api_key": "${env:UI_PLATFORM_SECRET}" } }\n',
        );
        await fs.writeFile(
          path.join(dir, 'duck.airbyte.jsonc'),
          '{ "connector": "destination-duckdb", "config": { "destination_path": "md:x" } }\n',
        );
        const settingsFile = path.join(dir, '.vscode', 'settings.json');
        const settings = (await fs.readFile(settingsFile, 'utf8')).replace(
          /\{/,
          `{\n  "airbyte.platform.apiUrl": "${prism.url}",\n  "airbyte.platform.workspaceId": "${fake.workspaceId}",\n  "airbyte.platform.pollSeconds": 0.3,`,
        );
        await fs.writeFile(settingsFile, settings);
      },
    });
    page = session.page;
  });

  after(async () => {
    await session?.close();
    await prism?.close();
    await fake?.close();
  });

  it('deploys a pair and runs it from the palette; the Syncs view shows the platform connection and its job succeed', async () => {
    await step('open', async () => {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'faker.airbyte.jsonc' }).waitFor({ state: 'visible' });
    });
    await step('deploy', async () => {
      await runCommand(page, 'Airbyte: Deploy to Airbyte');
      await pickQuickItem(page, 'Deploy to Airbyte: source', 'faker.airbyte.jsonc');
      await pickQuickItem(page, 'Deploy to Airbyte: destination', 'duck.airbyte.jsonc');
      await notifications(page)
        .filter({ hasText: /Connection "faker → duck" created/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
    });
    assert.equal(fake.connections.size, 1);
    assert.equal(
      [...fake.sources.values()][0]!.configuration && ([...fake.sources.values()][0]!.configuration as { api_key: string }).api_key,
      SECRET,
    );
    fake.jobScripts.push({ outcome: 'succeeded', steps: 30, rows: 321 });
    await step('run', async () => {
      await runCommand(page, 'Airbyte: Run on Airbyte');
      await pickQuickItem(page, 'Pick a deployed connection', 'faker → duck');
      await openViewContainer(page, 'Airbyte');
      const pane = await viewPane(page, 'Syncs');
      // Polled while the job runs: first running, then succeeded, with no refresh asked for.
      await treeRows(pane)
        .filter({ hasText: /Job \d+ running/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await treeRows(pane)
        .filter({ hasText: /Job \d+ succeeded/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const row = treeRows(pane).filter({ hasText: 'faker → duck' }).first();
      assert.match((await row.textContent()) ?? '', /on Airbyte · succeeded · job \d+/);
      assert.match(
        (await treeRows(pane)
          .filter({ hasText: /Job \d+ succeeded/ })
          .first()
          .textContent()) ?? '',
        /321 rows/,
      );
    });
    const job = [...fake.jobs.values()].at(-1)!;
    assert.equal(job.status, 'succeeded');
    const violations = prism.violations().filter((v) => !/Unable to match the returned status code/.test(v));
    assert.deepEqual(violations, [], 'every request and response matched the API description');
  });
});
