// The packaged extension in the real VS Code workbench, driven as a person would with the keyboard
// and mouse: code-server with the VSIX installed into a fresh extensions dir, headless Chromium,
// the fixture workspace. A screenshot is saved at every step (.test-artifacts/screenshots/ui-*.png);
// a failing step also saves the browser console and code-server's logs (.test-artifacts/logs/ui/).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type Browser } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { repoRoot, vsixPath } from '../harness/paths';
import { createTestWorkspace, fixtureEnv, type TestWorkspace } from '../harness/testWorkspace';
import {
  acceptQuickPick,
  applyQuickFix,
  goToLine,
  notifications,
  openFile,
  openViewContainer,
  openWorkbench,
  panelEditorText,
  pickManyQuickItems,
  pickQuickItem,
  problemRows,
  runCommand,
  showProblems,
  slowTimeoutMs,
  treeRows,
  viewPane,
  waitForChannelFile,
  webviewContent,
} from '../harness/workbench';

const SOURCE = 'source.airbyte.jsonc';
const DESTINATION = 'destination.airbyte.jsonc';
// The Syncs view names a pair by its config files: "source → destination".
const PAIR = /source(\.airbyte\.jsonc)? → destination(\.airbyte\.jsonc)?/;
const RECORDS_PER_STREAM = 25; // "count" in test/fixtures-workspace/source.airbyte.jsonc
const WRITTEN_STREAMS = ['users', 'products'];
const SKIPPED_STREAM = 'purchases';

describe('Airbyte Write in the VS Code workbench (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let workspace: TestWorkspace | undefined;
  let page: Page;
  let failures = 0;
  let shot = 0;

  /** Runs one user-visible step; on failure keeps a screenshot, the console and the logs. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      await screenshot(page, `ui-${String(++shot).padStart(2, '0')}-${name}`);
    } catch (err) {
      failures += 1;
      if (browser) {
        await screenshot(browser.page, `ui-${String(++shot).padStart(2, '0')}-${name}-FAILED`).catch(() => undefined);
      }
      throw err;
    }
  }

  before(async () => {
    assert.ok(existsSync(vsixPath), `${vsixPath} is missing: run npm run package (scripts/tier-ui.sh does)`);
    workspace = await createTestWorkspace();
    const started = performance.now();
    server = await startCodeServer({ installVsix: [vsixPath], env: fixtureEnv() });
    console.log(`ui: VSIX installed and code-server ready in ${Math.round(performance.now() - started)} ms (start ${server.startMs} ms)`);
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
    // A Playwright trace (DOM snapshots, screenshots, actions) is kept when a step fails.
    await browser.context.tracing.start({ screenshots: true, snapshots: true });
  });

  after(async () => {
    if (failures > 0 && server) {
      const dir = await server.saveLogs('ui').catch(() => undefined);
      if (dir && browser) {
        await fs.writeFile(path.join(dir, 'browser-console.log'), browser.consoleLines.join('\n')).catch(() => undefined);
        await browser.context.tracing.stop({ path: path.join(dir, 'playwright-trace.zip') }).catch(() => undefined);
      }
      if (dir) console.error(`ui: logs and Playwright trace saved in ${dir}`);
    } else {
      await browser?.context.tracing.stop().catch(() => undefined);
    }
    await browser?.close();
    await server?.stop();
    await workspace?.remove();
  });

  it('installs the VSIX into code-server as the version package.json names', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      publisher: string;
      name: string;
      version: string;
    };
    assert.deepEqual(server!.listExtensions(), [`${manifest.publisher}.${manifest.name}@${manifest.version}`]);
  });

  it('opens the sample workspace with the Airbyte activity bar entry from the VSIX', async () => {
    await step('workspace', async () => {
      const started = performance.now();
      await openWorkbench(page, server!.workbenchUrl(workspace!.dir));
      console.log(`ui: workbench loaded in ${Math.round(performance.now() - started)} ms`);
      const explorer = page.locator('.explorer-folders-view');
      for (const file of [SOURCE, DESTINATION, 'broken.airbyte.jsonc']) {
        await explorer.locator('.monaco-list-row', { hasText: file }).waitFor({ state: 'visible' });
      }
      await page
        .locator('.activitybar .action-item a[aria-label^="Airbyte"], .activitybar .action-item[aria-label^="Airbyte"]')
        .first()
        .waitFor({ state: 'visible' });
    });
  });

  it('shows the broken config’s problems in the Problems panel, with squiggles and the spec in the status bar', async () => {
    await step('diagnostics', async () => {
      await openFile(page, 'broken.airbyte.jsonc');
      const panel = await showProblems(page);
      const rows = problemRows(panel);
      await rows
        .filter({ hasText: /Port must be an integer/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await rows
        .filter({ hasText: /database/i })
        .first()
        .waitFor({ state: 'visible' });
      const texts = await rows.allTextContents();
      assert.ok(
        texts.some((t) => /Port must be an integer/.test(t)),
        `Problems panel: ${texts.join(' | ')}`,
      );
      assert.ok(
        texts.some((t) => /Missing required field.*database/i.test(t)),
        `Problems panel: ${texts.join(' | ')}`,
      );
      // The squiggle under the wrong-typed port value in the editor.
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ state: 'attached' });
      await page
        .locator('.part.statusbar .statusbar-item', { hasText: /destination-postgres@/ })
        .first()
        .waitFor({ state: 'visible' });
    });
  });

  it('fixes the broken config in the editor: typing clears the port error, the quick fix adds the missing field', async () => {
    await step('diagnostics-fixed', async () => {
      // Line 6 is `"port": "five-four-three-two",` (test/fixtures-workspace/broken.airbyte.jsonc).
      await goToLine(page, 6);
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      // Delete first: typing a quote over a selection would surround it with quotes.
      await page.keyboard.press('Backspace');
      await page.keyboard.type('"port": 5432,');
      const panel = await showProblems(page);
      await problemRows(panel)
        .filter({ hasText: /Port must be/ })
        .waitFor({ state: 'detached', timeout: slowTimeoutMs });
      await problemRows(panel)
        .filter({ hasText: /database/i })
        .first()
        .waitFor({ state: 'visible' });
      // Line 4 is `"config": {`, where the missing required field is reported.
      await goToLine(page, 4);
      await page.keyboard.press('End');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowRight');
      await applyQuickFix(page, /Add required field.*database/);
      await page.keyboard.press('Escape');
      await problemRows(panel)
        .filter({ hasText: /database/i })
        .waitFor({ state: 'detached', timeout: slowTimeoutMs });
      await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '"database"' }).first().waitFor({ state: 'visible' });
      assert.equal(await problemRows(panel).count(), 0, `problems left: ${(await problemRows(panel).allTextContents()).join(' | ')}`);
    });
  });

  it('writes to the destination through “Airbyte: Write to Destination…” picked with the keyboard', async () => {
    await step('write-picks', async () => {
      await runCommand(page, 'Airbyte: Write to Destination');
      await pickQuickItem(page, '(1/4)', SOURCE);
      await pickQuickItem(page, '(2/4)', DESTINATION);
      await pickManyQuickItems(page, '(3/4)', WRITTEN_STREAMS);
      await pickQuickItem(page, '(4/4)', 'replace');
      // The run shows itself while it goes (a progress notification), then finishes.
      await notifications(page)
        .filter({ hasText: /Airbyte/ })
        .first()
        .waitFor({ state: 'visible' });
    });
    await step('write-syncs-tree', async () => {
      await openViewContainer(page, 'Airbyte');
      const pane = await viewPane(page, 'Syncs');
      const row = treeRows(pane).filter({ hasText: PAIR }).filter({ hasText: 'Succeeded' }).first();
      // Either the run succeeds or the extension says why not: fail with its words, not a timeout.
      const errorToast = notifications(page)
        .filter({ has: page.locator('.codicon-error') })
        .first();
      await row.or(errorToast).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      if (await errorToast.isVisible()) {
        assert.fail(`the write failed: ${(await errorToast.locator('.notification-list-item-message').textContent()) ?? '(no message)'}`);
      }
      const total = RECORDS_PER_STREAM * WRITTEN_STREAMS.length;
      assert.match((await row.textContent()) ?? '', new RegExp(`${total} records`));
      await row.locator('.codicon-pass-filled').waitFor({ state: 'visible' });
    });
    // What the destination wrote: ./out/<stream>.jsonl in the workspace, only the chosen streams.
    for (const stream of WRITTEN_STREAMS) {
      const file = path.join(workspace!.dir, 'out', `${stream}.jsonl`);
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, RECORDS_PER_STREAM, `${file}`);
    }
    assert.ok(!existsSync(path.join(workspace!.dir, 'out', `${SKIPPED_STREAM}.jsonl`)), `${SKIPPED_STREAM} was not picked but was written`);
    // No container of this run is left behind (the tool labels each with the pid that started it).
    const ours = new Set(server!.pids().map(String));
    assert.ok(ours.size >= 2, `code-server's processes (server and extension host) not found: ${[...ours].join(', ')}`);
    const leftovers = (await new Docker().listContainers({ all: true, filters: { label: ['io.airbyte-write.managed=true'] } })).filter(
      (c) => ours.has(c.Labels['io.airbyte-write.owner-pid'] ?? ''),
    );
    assert.deepEqual(
      leftovers.map((c) => `${c.Image} ${c.State}`),
      [],
      'containers left behind by the write',
    );
  });

  it('shows the run in the run details webview: Succeeded, with the per-stream counts', async () => {
    await step('run-details', async () => {
      const pane = await viewPane(page, 'Syncs');
      const pair = treeRows(pane).filter({ hasText: PAIR }).first();
      await pair.click();
      if ((await pair.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
      const run = treeRows(pane)
        .filter({ hasText: /#\d+ Succeeded/ })
        .first();
      await run.waitFor({ state: 'visible' });
      await run.click();
      await page.locator('.tabs-container .tab.active', { hasText: 'Airbyte Run #' }).waitFor({ state: 'visible' });
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Succeeded' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      for (const stream of WRITTEN_STREAMS) {
        const confirmed = web.locator(`#streams-table [data-stream="${stream}"] [data-column="confirmed"]`);
        await confirmed.waitFor({ state: 'visible' });
        assert.equal((await confirmed.textContent())?.trim(), String(RECORDS_PER_STREAM), `confirmed records of ${stream}`);
      }
      assert.equal(await web.locator(`#streams-table [data-stream="${SKIPPED_STREAM}"]`).count(), 0, `${SKIPPED_STREAM} was not picked`);
      await web.locator('#throughput-chart').waitFor({ state: 'visible' });
      // Where each side ran: the built-in source in process, the destination on the Docker engine.
      const facts = (await web.locator('#run-facts').textContent()) ?? '';
      assert.match(facts, /Ran on: source in process, destination docker \S+/, 'the run details say where each side ran');
      // The test destination logs its api_key: the log tail shows it masked, never the value.
      const logTail = (await web.locator('#log-tail').textContent()) ?? '';
      assert.match(logTail, /\*\*\*\*/, 'the log tail shows the masked secret');
      assert.ok(!logTail.includes(fixtureEnv().AIRBYTE_WRITE_TEST_API_KEY), 'the secret api_key appears in the run details log tail');
    });
  });
  it('shows the connector logs in the “Airbyte Connectors” output channel with the secret masked', async () => {
    const secret = fixtureEnv().AIRBYTE_WRITE_TEST_API_KEY;
    await step('connector-logs', async () => {
      await runCommand(page, 'Airbyte: Show Connector Logs');
      await page.locator('.part.panel .monaco-editor .view-lines', { hasText: '[destination-test]' }).first().waitFor({ state: 'visible' });
      assert.ok(!(await panelEditorText(page)).includes(secret), 'the secret api_key is shown in the output channel');
    });
    // Everything the channel received (not only the lines on screen) is in its backing log file.
    const channelText = await waitForChannelFile(server!.userDataDir, 'Airbyte Connectors', /api_key=\*{4}/);
    assert.ok(!channelText.includes(secret), 'the secret api_key reached the Airbyte Connectors channel');
  });

  it('cancels a running sync from its progress notification; the Syncs view shows it cancelled', async () => {
    // A source that emits a few records and then hangs (the project's Docker test source).
    await fs.writeFile(
      path.join(workspace!.dir, 'hanging.airbyte.jsonc'),
      JSON.stringify(
        {
          connector: 'source-test',
          image: 'airbyte-write-test/source-test:dev',
          config: { record_count: 1000, fault: 'hang', fault_after: 5 },
        },
        null,
        2,
      ),
    );
    await step('cancel-running', async () => {
      const configs = await viewPane(page, 'Configs');
      await treeRows(configs).filter({ hasText: 'hanging.airbyte.jsonc' }).first().waitFor({ state: 'visible' });
      await runCommand(page, 'Airbyte: Write to Destination');
      await pickQuickItem(page, '(1/4)', 'hanging.airbyte.jsonc');
      await pickQuickItem(page, '(2/4)', 'sqlite.airbyte.jsonc');
      await acceptQuickPick(page, '(3/4)');
      await pickQuickItem(page, '(4/4)', 'append');
      // While it runs: a spinning status bar item (it opens the live run's details) and a progress
      // notification with Cancel.
      const statusItem = page
        .locator('.part.statusbar .statusbar-item', { hasText: /Airbyte:/, has: page.locator('.codicon-sync') })
        .first();
      await statusItem.waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const syncs = await viewPane(page, 'Syncs');
      await treeRows(syncs)
        .filter({ hasText: /hanging.*Running/ })
        .first()
        .waitFor({ state: 'visible' });
      await statusItem.click();
      await page.locator('.tabs-container .tab.active', { hasText: /Airbyte Run #\d+: hanging/ }).waitFor({ state: 'visible' });
      // Cancel mid-read, once the source's first records have arrived.
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Running' }).waitFor({ state: 'visible' });
      await web
        .locator('#streams-table [data-stream="users"] [data-column="read"]')
        .filter({ hasText: /^\s*[1-9]/ })
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
    });
    await step('cancel-done', async () => {
      const progress = notifications(page)
        .filter({ hasText: /hanging/ })
        .first();
      await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await webviewContent(page)
        .locator('#run-status')
        .filter({ hasText: 'Cancelled' })
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const syncs = await viewPane(page, 'Syncs');
      const row = treeRows(syncs)
        .filter({ hasText: /hanging(\.airbyte\.jsonc)? → sqlite(\.airbyte\.jsonc)?/ })
        .filter({ hasText: 'Cancelled' })
        .first();
      await row.waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await page
        .locator('.part.statusbar .statusbar-item', { hasText: /Airbyte:/, has: page.locator('.codicon-sync') })
        .waitFor({ state: 'detached' });
    });
    const ours = new Set(server!.pids().map(String));
    const leftovers = (await new Docker().listContainers({ all: true, filters: { label: ['io.airbyte-write.managed=true'] } })).filter(
      (c) => ours.has(c.Labels['io.airbyte-write.owner-pid'] ?? ''),
    );
    assert.deepEqual(
      leftovers.map((c) => `${c.Image} ${c.State}`),
      [],
      'containers left behind by the cancelled sync',
    );
  });
});
