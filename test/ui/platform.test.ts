// The Airbyte platform from the workbench, driven by keyboard as a person would: the packaged VSIX in
// code-server, headless Chromium, a pair deployed with "Airbyte: Deploy to Airbyte…" and run with
// "Airbyte: Run on Airbyte" from the palette against the FAKE platform (test/harness/fakePlatform.ts)
// behind Prism's validating proxy; the Airbyte Platform view shows the connection and its job
// finishing. The instance and workspace come from the workspace settings, the credentials from
// PyAirbyte's environment variables given to code-server (what the extension falls back to without
// SecretStorage entries).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type Browser } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import type { FakePlatform } from '../harness/fakePlatform';
import { startFakePlatform } from '../harness/fakePlatform';
import { vsixPath } from '../harness/paths';
import type { PrismProxy } from '../harness/prismProxy';
import { startPrismProxy } from '../harness/prismProxy';
import { createTestWorkspace, fixtureEnv, type TestWorkspace } from '../harness/testWorkspace';
import {
  notifications,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  runCommand,
  slowTimeoutMs,
  treeRows,
  viewPane,
} from '../harness/workbench';

const SECRET = 'ui-platform-secret-8a41';

describe('Airbyte platform in the workbench (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let workspace: TestWorkspace | undefined;
  let fake: FakePlatform;
  let prism: PrismProxy;
  let page: Page;
  let shot = 0;

  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      await screenshot(page, `ui-platform-${String(++shot).padStart(2, '0')}-${name}`);
    } catch (err) {
      if (browser) await screenshot(browser.page, `ui-platform-${String(++shot).padStart(2, '0')}-${name}-FAILED`).catch(() => undefined);
      if (server) console.error(`ui: logs saved in ${await server.saveLogs('ui-platform').catch(() => '(none)')}`);
      throw err;
    }
  }

  before(async () => {
    assert.ok(existsSync(vsixPath), `${vsixPath} is missing: run npm run package (scripts/tier-ui.sh does)`);
    fake = await startFakePlatform();
    prism = await startPrismProxy(fake.url);
    workspace = await createTestWorkspace();
    await fs.writeFile(
      path.join(workspace.dir, 'faker.airbyte.jsonc'),
      '{ "connector": "source-faker", "config": { "count": 10, "api_key": "${env:UI_PLATFORM_SECRET}" } }\n',
    );
    await fs.writeFile(
      path.join(workspace.dir, 'duck.airbyte.jsonc'),
      '{ "connector": "destination-duckdb", "config": { "destination_path": "md:x" } }\n',
    );
    const settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
    const settings = (await fs.readFile(settingsFile, 'utf8')).replace(
      /\{/,
      `{\n  "airbyte.platform.apiUrl": "${prism.url}",\n  "airbyte.platform.workspaceId": "${fake.workspaceId}",\n  "airbyte.platform.pollSeconds": 0.3,`,
    );
    await fs.writeFile(settingsFile, settings);
    server = await startCodeServer({
      installVsix: [vsixPath],
      env: {
        ...fixtureEnv(),
        UI_PLATFORM_SECRET: SECRET,
        AIRBYTE_CLOUD_CLIENT_ID: fake.clientId,
        AIRBYTE_CLOUD_CLIENT_SECRET: fake.clientSecret,
      },
    });
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await workspace?.remove();
    await prism?.close();
    await fake?.close();
  });

  it('deploys a pair and runs it from the palette; the Airbyte Platform view shows the job succeed', async () => {
    await step('open', async () => {
      await openWorkbench(page, server!.workbenchUrl(workspace!.dir));
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
      const pane = await viewPane(page, 'Airbyte Platform');
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
      assert.match((await row.textContent()) ?? '', /succeeded · job \d+/);
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
