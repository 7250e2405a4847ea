// Read → preview → write in the real workbench (packaged VSIX in code-server, headless Chromium),
// driven by the keyboard: "Read Source into Cache…", "Preview Records" (the data grid in a light,
// a dark and a high-contrast theme, filtered from the keyboard), then "Write to Destination…" of the
// read into the built-in SQLite destination. Screenshots: .test-artifacts/screenshots/ui-preview-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type Browser } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { vsixPath } from '../harness/paths';
import { sqliteCount } from '../unit/sqliteTestSupport';
import { createTestWorkspace, fixtureEnv, type TestWorkspace } from '../harness/testWorkspace';
import {
  acceptQuickPick,
  notifications,
  openWorkbench,
  pickQuickItem,
  runCommand,
  setColorTheme,
  slowTimeoutMs,
  webviewContent,
} from '../harness/workbench';

const RECORDS_PER_STREAM = 25; // "count" in test/fixtures-workspace/source.airbyte.jsonc

describe('Read, preview, write in the workbench (packaged VSIX)', { timeout: 10 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let workspace: TestWorkspace | undefined;
  let page: Page;
  let failed = false;
  let shot = 0;

  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
      await screenshot(page, `ui-preview-${String(++shot).padStart(2, '0')}-${name}`);
    } catch (err) {
      failed = true;
      if (browser) await screenshot(browser.page, `ui-preview-${String(++shot).padStart(2, '0')}-${name}-FAILED`).catch(() => undefined);
      throw err;
    }
  }

  /** The webview body's theme class and the grid's computed text and background colours. */
  async function gridLook(): Promise<{ theme: string; color: string; background: string }> {
    const web = webviewContent(page);
    return web.locator('body').evaluate((body) => {
      const cell = (body as unknown as { querySelector(s: string): unknown }).querySelector('vscode-data-grid-cell');
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } })
        .getComputedStyle;
      const b = style(body);
      return {
        theme: (body as unknown as { className: string }).className,
        color: style(cell).color,
        background: b.backgroundColor,
      };
    });
  }

  before(async () => {
    workspace = await createTestWorkspace();
    server = await startCodeServer({ installVsix: [vsixPath], env: fixtureEnv() });
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
    await browser.context.tracing.start({ screenshots: true, snapshots: true });
  });

  after(async () => {
    if (failed && server) {
      const dir = await server.saveLogs('ui-preview').catch(() => undefined);
      if (dir && browser) {
        await fs.writeFile(path.join(dir, 'browser-console.log'), browser.consoleLines.join('\n')).catch(() => undefined);
        await browser.context.tracing.stop({ path: path.join(dir, 'playwright-trace.zip') }).catch(() => undefined);
      }
    } else await browser?.context.tracing.stop().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await workspace?.remove();
  });

  it('reads the sample source into the cache from the command palette', async () => {
    await step('read', async () => {
      await openWorkbench(page, server!.workbenchUrl(workspace!.dir));
      await runCommand(page, 'Airbyte: Read Source into Cache');
      await pickQuickItem(page, 'Pick a source config', 'source.airbyte.jsonc');
      await acceptQuickPick(page, 'Read Source into Cache: streams');
      await notifications(page)
        .filter({ hasText: `read ${RECORDS_PER_STREAM * 3} new records of source into the cache` })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
    });
  });

  it('previews the records in the data grid, readable in a light, a dark and a high-contrast theme', async () => {
    await step('preview-light', async () => {
      await setColorTheme(page, 'Light Modern');
      await runCommand(page, 'Airbyte: Preview Records');
      await pickQuickItem(page, 'Pick a cached read', 'source (read #', 'source');
      const web = webviewContent(page);
      await web.locator('vscode-data-grid-row[data-position]').first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      assert.equal(await web.locator('vscode-data-grid-row[data-position]').count(), RECORDS_PER_STREAM);
      assert.match((await web.locator('#counts').textContent()) ?? '', new RegExp(`Records 0–24 of ${RECORDS_PER_STREAM}`));
      const header = (await web.locator('vscode-data-grid-row[row-type="sticky-header"]').textContent()) ?? '';
      assert.match(header, /id \(PK\)/, 'the primary key is marked');
      assert.match(header, /updated_at \(cursor\)/, 'the cursor is marked');
      const look = await gridLook();
      assert.match(look.theme, /vscode-light/);
      assert.notEqual(look.color, look.background);
    });
    await step('preview-dark', async () => {
      await setColorTheme(page, 'Dark Modern');
      const web = webviewContent(page);
      await web.locator('body.vscode-dark').waitFor({ state: 'attached' });
      const look = await gridLook();
      assert.notEqual(look.color, look.background);
    });
    await step('preview-high-contrast', async () => {
      await setColorTheme(page, 'Dark High Contrast');
      await webviewContent(page).locator('body.vscode-high-contrast').waitFor({ state: 'attached' });
    });
  });

  it('filters from the keyboard (field = value), then clears the filter', async () => {
    await step('preview-filter', async () => {
      const web = webviewContent(page);
      const input = web.locator('#filter-input input');
      await input.focus();
      await page.keyboard.type('id = 7');
      await page.keyboard.press('Enter');
      await web.locator('#counts').filter({ hasText: 'of 1 matching "id = 7"' }).waitFor({ state: 'visible' });
      assert.equal(await web.locator('vscode-data-grid-row[data-position]').count(), 1);
      await input.focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Enter');
      await web
        .locator('#counts')
        .filter({ hasText: `of ${RECORDS_PER_STREAM}` })
        .waitFor({ state: 'visible' });
    });
  });

  it('writes the read to the SQLite destination with Write to Destination…, by keyboard', async () => {
    await step('write-read', async () => {
      await runCommand(page, 'Airbyte: Write to Destination');
      await pickQuickItem(page, '(1/4)', 'source (read #', 'read #');
      await pickQuickItem(page, '(2/4)', 'sqlite.airbyte.jsonc');
      await acceptQuickPick(page, '(3/4)');
      await pickQuickItem(page, '(4/4)', 'auto');
      await notifications(page)
        .filter({ hasText: /succeeded/ })
        .first()
        .waitFor({ state: 'visible', timeout: slowTimeoutMs });
    });
    const out = path.join(workspace!.dir, 'out');
    const files = (await fs.readdir(out)).filter((f) => f.endsWith('.sqlite') || f.endsWith('.db'));
    assert.ok(files.length > 0, `the SQLite destination wrote its file (${(await fs.readdir(out)).join(', ')})`);
    assert.equal(await sqliteCount(path.join(out, files[0]), 'users'), RECORDS_PER_STREAM);
  });
});
