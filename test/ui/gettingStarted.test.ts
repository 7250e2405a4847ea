// A newcomer's first hour in the real workbench (packaged VSIX in code-server, driven by Chromium):
// the Getting Started walkthrough with no Docker, a config from the Connectors view by keyboard,
// scaffold placeholders that keep their quotes, a misspelt key's hint, images of the engine in
// completion, the fields a changed spec requires, and `.airbyte/` kept out of git. Each case failed
// before the change it covers. Screenshots: .test-artifacts/screenshots/ui-gs-*.png (the
// walkthrough in a dark and a light theme among them).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, type ParseError } from 'jsonc-parser';
import type { Page } from 'playwright-core';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE } from '../../scripts/buildTestImages';
import { startUiSession, type UiSession } from '../harness/uiSession';
import {
  applyQuickFix,
  goToLine,
  notifications,
  openFile,
  openViewContainer,
  pickQuickItem,
  problemRows,
  quickInput,
  runCommand,
  setColorTheme,
  showProblems,
  slowTimeoutMs,
  treeRows,
  viewPane,
  waitForQuickPick,
  webviewContent,
} from '../harness/workbench';

const WALKTHROUGH = 'Get Started with Airbyte Write';

describe('Getting started in the VS Code workbench (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  let session: UiSession;
  let page: Page;
  const step = (name: string, body: () => Promise<void>) => session.step(name, body);

  const file = (name: string) => path.join(session.workspace.dir, name);

  /** Waits until the file on disk matches (a save lands a moment after Ctrl+S), and returns its text. */
  async function savedText(name: string, pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      text = existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '';
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.fail(`${name} on disk does not match ${pattern} after saving:\n${text}`);
  }

  before(async () => {
    session = await startUiSession({
      prefix: 'gs',
      // Dark first; the walkthrough is shown again in a light theme further on.
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
      prepare: async (dir) => {
        // A project whose .gitignore does not know about .airbyte/ yet.
        await fs.writeFile(path.join(dir, '.gitignore'), 'registry.sample.json\nout/\n');
        await fs.writeFile(
          path.join(dir, 'faker.airbyte.jsonc'),
          '{\n  "connector": "source-faker",\n  "config": {\n    "count": 10,\n    "paralelism": 4\n  }\n}\n',
        );
        await fs.writeFile(
          path.join(dir, 'local-image.airbyte.jsonc'),
          '{\n  "connector": "destination-test",\n  "image": "",\n  "config": {}\n}\n',
        );
        await fs.writeFile(
          path.join(dir, 'switch.airbyte.jsonc'),
          `{\n  "connector": "source-test",\n  "image": "${TEST_DESTINATION_IMAGE}",\n  "config": {}\n}\n`,
        );
      },
    });
    page = session.page;
  });

  after(() => session?.close());

  /** The walkthrough page, and the button of one of its steps. */
  const walkthrough = () => page.locator('.gettingStartedContainer');
  async function runStep(title: RegExp, button: string): Promise<void> {
    await walkthrough().locator('.getting-started-step', { hasText: title }).first().click();
    await walkthrough().locator('.monaco-button', { hasText: button }).first().click();
  }
  async function backToWalkthrough(): Promise<void> {
    await page
      .locator('.tabs-container .tab', { hasText: /Welcome|Walkthrough/ })
      .first()
      .click();
    await walkthrough().waitFor({ state: 'visible' });
  }

  it('walks a newcomer from nothing to records in SQLite with no Docker, then to Docker', async () => {
    await step('walkthrough-dark', async () => {
      await page.locator('.monaco-workbench.vs-dark').waitFor({ state: 'attached' });
      await runCommand(page, 'Welcome: Open Walkthrough');
      await pickQuickItem(page, /walkthrough/i, WALKTHROUGH, 'Airbyte');
      await walkthrough().getByText(WALKTHROUGH).first().waitFor({ state: 'visible' });
      for (const title of ['Create two configs', 'Write the sample into SQLite', 'Open the result', 'Connect Docker', 'registry'])
        await walkthrough().locator('.getting-started-step', { hasText: title }).first().waitFor({ state: 'visible' });
    });
    await step('walkthrough-sample-configs', async () => {
      await runStep(/Create two configs/, 'Create Sample Configs');
      await page.locator('.tabs-container .tab.active[aria-label*="sample.airbyte.jsonc"]').waitFor({ state: 'visible' });
      const source = readFileSync(file('sample.airbyte.jsonc'), 'utf8');
      const destination = readFileSync(file('warehouse.airbyte.jsonc'), 'utf8');
      assert.match(source, /"connector": "builtin:sample"/);
      assert.match(destination, /"connector": "builtin:sqlite"/);
    });
    await step('walkthrough-write', async () => {
      await backToWalkthrough();
      await runStep(/Write the sample/, 'Write to Destination');
      const done = notifications(page).filter({ hasText: /warehouse succeeded/ });
      await done.first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      // 1,000 records in each of the sample's 3 streams.
      assert.match((await done.first().textContent()) ?? '', /3,000/);
      assert.ok(existsSync(file('out/warehouse.sqlite')), 'out/warehouse.sqlite was not written');
    });
    await step('walkthrough-result', async () => {
      await backToWalkthrough();
      await runStep(/Open the result/, 'Open the Records');
      const preview = webviewContent(page);
      await preview.getByText('warehouse.sqlite').first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      // Each table of the file holds the 1,000 records of its stream.
      await preview
        .getByText(/Records 0–99 of 1,000/)
        .first()
        .waitFor({ state: 'visible' });
    });
    await step('walkthrough-docker', async () => {
      await backToWalkthrough();
      await runStep(/Connect Docker/, 'Check Docker Engine');
      const reachable = notifications(page).filter({ hasText: /Docker engine reachable at/ });
      await reachable.first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      assert.match((await reachable.first().textContent()) ?? '', /\(from [^)]+\), Engine API \d/);
      // The steps done so far are ticked.
      // The four steps done so far are ticked; the registry step is not yet.
      const ticked = walkthrough().locator('.getting-started-step', { has: page.locator('[class*="getting-started-step-checked"]') });
      assert.equal(await ticked.count(), 4, 'steps ticked');
    });
    await step('walkthrough-light', async () => {
      await setColorTheme(page, 'Light Modern');
      await page.locator('.monaco-workbench.vs').waitFor({ state: 'attached' });
      await backToWalkthrough();
    });
  });

  it('adds .airbyte/ to the project’s .gitignore when the first write creates it, keeping its lines', async () => {
    const text = readFileSync(file('.gitignore'), 'utf8');
    assert.ok(text.startsWith('registry.sample.json\nout/\n'), text);
    assert.match(text, /^\.airbyte\/$/m);
  });

  it('offers a new config on Enter in the Connectors view and in its context menu; typing fills the placeholder inside its quotes', async () => {
    await step('connector-enter', async () => {
      await openViewContainer(page, 'Airbyte');
      const pane = await viewPane(page, 'Connectors');
      const group = treeRows(pane).filter({ hasText: 'Destinations' }).first();
      await group.waitFor({ state: 'visible', timeout: slowTimeoutMs });
      if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
      const row = treeRows(pane).filter({ hasText: 'Local SQLite' }).first();
      await row.click();
      await waitForQuickPick(page, /destination-sqlite/);
      assert.match((await quickInput(page).locator('.quick-input-list').textContent()) ?? '', /New Config for destination-sqlite/);
      await page.keyboard.press('Escape');
      // The focus is back on the row: Shift+F10 opens its context menu, which offers a new config.
      await page.keyboard.press('Shift+F10');
      const menu = page.locator('.context-view .monaco-menu');
      await menu.getByText('New Connector Config…').first().waitFor({ state: 'visible' });
      await page.keyboard.press('Escape');
      // Enter on the row: the first choice is the new config.
      await page.keyboard.press('Enter');
      await waitForQuickPick(page, /destination-sqlite/);
      await page.keyboard.press('Enter');
      await waitForQuickPick(page, /New Connector Config/, slowTimeoutMs);
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active[aria-label*="destination-sqlite.airbyte.jsonc"]').waitFor({ state: 'visible' });
    });
    await step('scaffold-typed', async () => {
      // The cursor sits in the first placeholder, inside its quotes: type the value and save.
      await page.keyboard.type('/local/x.db');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+S');
      const text = await savedText('destination-sqlite.airbyte.jsonc', /x\.db/);
      const errors: ParseError[] = [];
      const doc = parse(text, errors, { allowTrailingComma: true }) as {
        config: { destination_path: string };
      };
      assert.deepEqual(errors, [], 'the typed scaffold has syntax errors');
      assert.equal(doc.config.destination_path, '/local/x.db');
    });
  });

  it('hints at a misspelt key the spec does not forbid (“paralelism”) and renames it', async () => {
    await step('did-you-mean', async () => {
      await openFile(page, 'faker.airbyte.jsonc');
      const panel = await showProblems(page);
      const hint = problemRows(panel).filter({ hasText: /did you mean “parallelism”/ });
      await hint.first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      // Line 5 is `"paralelism": 4` (written in before()).
      await goToLine(page, 5);
      await page.keyboard.press('End');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowRight');
      await applyQuickFix(page, 'Rename to "parallelism"');
      await hint.first().waitFor({ state: 'detached', timeout: slowTimeoutMs });
      await page.keyboard.press('Control+S');
      await savedText('faker.airbyte.jsonc', /"parallelism": 4/);
    });
  });

  it('offers the images present in the Docker engine when completing "image"', async () => {
    await step('image-completion', async () => {
      await openFile(page, 'local-image.airbyte.jsonc');
      // Line 3 is `"image": "",`: put the cursor between the quotes and ask for completion.
      await goToLine(page, 3);
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Control+Space');
      const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: TEST_DESTINATION_IMAGE });
      await suggestion.first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await page.keyboard.press('Escape');
    });
  });

  it('offers to add the fields a new image’s spec requires', async () => {
    await step('spec-change-offer', async () => {
      await openFile(page, 'switch.airbyte.jsonc');
      // Checked against the destination image's spec first (nothing required), then line 3 names the source image.
      await page
        .locator('.part.statusbar .statusbar-item', { hasText: /source-test@/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await goToLine(page, 3);
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(`"image": "${TEST_SOURCE_IMAGE}",`);
      const offer = notifications(page).filter({ hasText: /requires a field .* lacks: record_count/ });
      await offer.first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await offer.first().getByRole('button', { name: 'Add It' }).click();
      await page
        .locator('.editor-instance .monaco-editor .view-lines', { hasText: '"record_count"' })
        .first()
        .waitFor({ state: 'visible' });
      await page.keyboard.press('Control+S');
      const doc = parse(await savedText('switch.airbyte.jsonc', /record_count/)) as { config: Record<string, unknown> };
      assert.equal(typeof doc.config.record_count, 'number');
    });
  });
});
