// A newcomer's first hour (issue 14) in the real workbench: code-server with the packaged VSIX,
// headless Chromium, the fixture workspace, the project's Docker test destination playing the
// destinations a newcomer meets (destination-sqlite with a bad path, an old Python CDK). Each step
// checks what the user reads: failure headlines, run details following a rerun, one Syncs row per
// pair, wording, the Configs view's last check, the Docker setting, contrast and screen-reader
// labels. Screenshots: .test-artifacts/screenshots/ui-newcomer-*.png (light and dark).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startUiSession, type UiSession } from '../harness/uiSession';
import {
  acceptQuickPick,
  notifications,
  openViewContainer,
  pickQuickItem,
  runCommand,
  setColorTheme,
  slowTimeoutMs,
  treeRows,
  viewPane,
  waitForChannelFile,
  waitForQuickPick,
  webviewContent,
} from '../harness/workbench';

const TEST_IMAGE = 'airbyte-write-test/destination-test:dev';
/** destination-sqlite 0.2's own words for a path outside /local (test/connectors/destination.mjs, fault bad_path). */
const BAD_PATH_CAUSE = /A valid path shall start with \/local/;
const GENERIC = /Something went wrong in the connector/;

/** Config files a newcomer has made by now, beside the fixture workspace's. */
const CONFIGS: Record<string, unknown> = {
  // A destination-sqlite whose path is outside /local: its check names the cause, its write only a catch-all TRACE.
  'wrongpath.airbyte.jsonc': {
    connector: 'destination-test',
    image: TEST_IMAGE,
    localDir: 'out-wrong',
    config: { fault: 'bad_path', destination_path: '/etc/x.db' },
  },
  // A destination whose check passes and whose write fails with the catch-all TRACE (cause in internal_message).
  'generic.airbyte.jsonc': {
    connector: 'destination-test',
    image: TEST_IMAGE,
    localDir: 'out-generic',
    config: { fault: 'generic_trace', fault_after: 10 },
  },
  // destination-sqlite as the registry knows it (a Python CDK destination), built locally: it cannot read STREAM_STATUS.
  'oldcdk.airbyte.jsonc': { connector: 'destination-sqlite', image: TEST_IMAGE, localDir: 'out-old', config: { old_cdk: true } },
  // destination-sqlite from the registry, never run: its spec says it cannot merge.
  'realsqlite.airbyte.jsonc': { connector: 'destination-sqlite', config: { destination_path: '/local/x.db' } },
  // A source that emits 5 records and then hangs (to watch the progress wording).
  'hanging.airbyte.jsonc': {
    connector: 'source-test',
    image: 'airbyte-write-test/source-test:dev',
    config: { record_count: 1000, fault: 'hang', fault_after: 5 },
  },
};

/** WCAG 2.x contrast ratio of two opaque CSS colours (`rgb()` or `#rrggbb`). */
function contrastRatio(a: string, b: string): number {
  const channels = (css: string) =>
    css.trim().startsWith('#')
      ? [1, 3, 5].map((i) => parseInt(css.trim().slice(i, i + 2), 16))
      : (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const luminance = (css: string) => {
    const [r, g, b] = channels(css).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('A newcomer’s first hour in the workbench (packaged VSIX)', { timeout: 15 * 60_000 }, () => {
  let session: UiSession;
  let page: Page;
  const step = (name: string, body: () => Promise<void>) => session.step(name, body);

  async function clearNotifications(): Promise<void> {
    await runCommand(page, 'Notifications: Clear All Notifications');
  }

  /** Write to Destination… picked with the keyboard; `strategy` is the row picked in step 4/4. */
  async function write(source: string, destination: string, strategy = 'auto'): Promise<void> {
    await clearNotifications();
    await runCommand(page, 'Airbyte: Write to Destination');
    await pickQuickItem(page, '(1/4)', source);
    await pickQuickItem(page, '(2/4)', destination);
    await acceptQuickPick(page, '(3/4)');
    await pickQuickItem(page, '(4/4)', strategy);
  }

  /** The message of the error notification that appears next. */
  async function errorToast(): Promise<string> {
    const toast = notifications(page)
      .filter({ has: page.locator('.codicon-error') })
      .first();
    await toast.waitFor({ state: 'visible', timeout: slowTimeoutMs });
    return (await toast.locator('.notification-list-item-message').textContent()) ?? '';
  }

  async function succeeded(): Promise<void> {
    const ok = notifications(page)
      .filter({ hasText: /succeeded/ })
      .first();
    const bad = notifications(page)
      .filter({ has: page.locator('.codicon-error') })
      .first();
    await ok.or(bad).waitFor({ state: 'visible', timeout: slowTimeoutMs });
    if (await bad.isVisible()) assert.fail(`the write failed: ${await bad.locator('.notification-list-item-message').textContent()}`);
  }

  /** Opens the run details of the newest run row under the Syncs pair matching `pair`. */
  async function openNewestRun(pair: RegExp): Promise<void> {
    await openViewContainer(page, 'Airbyte');
    const pane = await viewPane(page, 'Syncs');
    const row = treeRows(pane).filter({ hasText: pair }).first();
    await row.waitFor({ state: 'visible', timeout: slowTimeoutMs });
    const selected = pane.locator('.monaco-list-row.selected').first();
    for (let attempt = 1; ; attempt++) {
      await row.click();
      // The view puts the pair that ran last on top when its run ends: a click can land on the row that moved into its place.
      if (pair.test((await selected.textContent()) ?? '')) break;
      if (attempt === 3) assert.fail(`the Syncs row ${pair} could not be selected; selected: ${await selected.textContent()}`);
    }
    if ((await row.getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'Airbyte Run' }).waitFor({ state: 'visible' });
  }

  before(async () => {
    session = await startUiSession({
      prefix: 'newcomer',
      prepare: async (dir) => {
        for (const [file, content] of Object.entries(CONFIGS)) await fs.writeFile(path.join(dir, file), JSON.stringify(content, null, 2));
      },
    });
    page = session.page;
  });

  after(() => session?.close());

  it('keeps the last check of a config in the Configs view: failed, with its time', async () => {
    await step('check-failed', async () => {
      await setColorTheme(page, 'Dark Modern');
      // The Configs view lists the configs (and so enables Check Connection in the palette).
      await openViewContainer(page, 'Airbyte');
      const configs = await viewPane(page, 'Configs');
      await treeRows(configs).filter({ hasText: 'wrongpath.airbyte.jsonc' }).first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await runCommand(page, 'Airbyte: Check Connection');
      await pickQuickItem(page, /config/i, 'wrongpath.airbyte.jsonc');
      assert.match(await errorToast(), BAD_PATH_CAUSE, 'the check names the cause');
      await clearNotifications();
      // The toast is gone; the view still says so, with the time.
      const row = treeRows(configs).filter({ hasText: 'wrongpath.airbyte.jsonc' }).first();
      await row.filter({ hasText: /check failed \d/ }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      assert.equal(await row.locator('.codicon-pass').count(), 0, 'no ✓ on a config whose last check failed');
    });
  });

  it('fails a write into a wrong destination before reading the source, headlining the cause', async () => {
    await step('failed-headline-dark', async () => {
      await write('source.airbyte.jsonc', 'wrongpath.airbyte.jsonc');
      const headline = await errorToast();
      assert.match(headline, BAD_PATH_CAUSE, `the headline names the cause: ${headline}`);
      await openNewestRun(/source(\.airbyte\.jsonc)? → wrongpath/);
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Failed' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      assert.match((await web.locator('#run-error').textContent()) ?? '', BAD_PATH_CAUSE);
      // Checked before the read: not one record was read from the source.
      for (const cell of await web.locator('#streams-table [data-column="read"]').allTextContents()) assert.equal(cell.trim(), '0');
    });
  });

  it('headlines the cause of a catch-all TRACE ERROR, and says where a failed write’s records came from', async () => {
    await step('generic-trace', async () => {
      await write('source.airbyte.jsonc', 'generic.airbyte.jsonc');
      const headline = await errorToast();
      assert.match(headline, BAD_PATH_CAUSE, `the headline is the TRACE's internal_message: ${headline}`);
      assert.ok(!GENERIC.test(headline.split('.')[0]), `the headline starts with the catch-all: ${headline}`);
      await openNewestRun(/source(\.airbyte\.jsonc)? → generic/);
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Failed' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const totals = (await web.locator('#totals').textContent()) ?? '';
      assert.match(totals, /sent from read #\d+/, `the totals say where the records came from: ${totals}`);
      assert.doesNotMatch(totals, /^0 read · [1-9]/, totals);
    });
  });

  it('sends no STREAM_STATUS to a destination whose CDK cannot read it', async () => {
    await step('no-stream-status', async () => {
      await write('source.airbyte.jsonc', 'oldcdk.airbyte.jsonc');
      await succeeded();
      await openNewestRun(/source(\.airbyte\.jsonc)? → oldcdk/);
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Succeeded' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const log = (await web.locator('#log-tail').textContent()) ?? '';
      assert.match(log, /wrote \d+ records/, 'the destination ran');
      assert.doesNotMatch(log, /can't be deserialized/, 'the destination was sent messages it cannot read');
    });
  });

  it('explains per stream what “auto” becomes at a destination that cannot merge, before the run', async () => {
    await step('strategy-why', async () => {
      await runCommand(page, 'Airbyte: Write to Destination');
      await pickQuickItem(page, '(1/4)', 'source.airbyte.jsonc');
      await pickQuickItem(page, '(2/4)', 'realsqlite.airbyte.jsonc');
      await acceptQuickPick(page, '(3/4)');
      await waitForQuickPick(page, '(4/4)');
      const auto = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', {
        has: page.locator('.label-name', { hasText: /^auto$/ }),
      });
      await auto.filter({ hasText: /cannot merge/ }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const detail = (await auto.textContent()) ?? '';
      assert.match(
        detail,
        /users.* → append: has a primary key; destination-sqlite cannot merge \(it supports overwrite, append\)/,
        detail,
      );
      await page.keyboard.press('Escape');
    });
  });

  it('follows a rerun in the run details (run number in the title), on one clock with the Syncs view', async () => {
    let first = 0;
    await step('rerun-before', async () => {
      await write('source.airbyte.jsonc', 'destination.airbyte.jsonc');
      await succeeded();
      await openNewestRun(/source(\.airbyte\.jsonc)? → destination/);
      const tab = page.locator('.tabs-container .tab.active');
      const title = (await tab.textContent()) ?? '';
      const number = /Airbyte Run #(\d+)/.exec(title);
      assert.ok(number, `the tab names the run number: ${title}`);
      first = Number(number[1]);
      const web = webviewContent(page);
      await web.locator('#run-status').filter({ hasText: 'Succeeded' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      // One clock: the run details' duration is the Syncs view's for the same run.
      const facts = (await web.locator('#run-facts').textContent()) ?? '';
      const duration = /duration ([\d.,]+ ?\w+)/.exec(facts)?.[1];
      const pane = await viewPane(page, 'Syncs');
      const runRow =
        (await treeRows(pane)
          .filter({ hasText: `#${first} ` })
          .first()
          .textContent()) ?? '';
      assert.ok(duration && runRow.includes(duration), `run details say ${String(duration)}, the Syncs view says ${runRow}`);
    });
    await step('rerun-follow-dark', async () => {
      await clearNotifications();
      const web = webviewContent(page);
      await web.locator('#rerun-button').click();
      await succeeded();
      const tab = page.locator('.tabs-container .tab', { hasText: /Airbyte Run #\d+: source → destination/ }).first();
      await page.waitForFunction(
        ([n]) => {
          const tabs = (
            globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }
          ).document.querySelectorAll('.tabs-container .tab');
          return Array.from(tabs).some((t) => {
            const m = /Airbyte Run #(\d+): source → destination/.exec(t.textContent ?? '');
            return m !== null && Number(m[1]) > n;
          });
        },
        [first] as const,
        { timeout: slowTimeoutMs },
      );
      assert.equal(
        await page.locator('.tabs-container .tab', { hasText: /Airbyte Run #\d+: source → destination/ }).count(),
        1,
        'the panel followed: no second tab of the pair',
      );
      await tab.click();
      const view = webviewContent(page);
      await view
        .locator('#run-title')
        .filter({ hasText: /Run #\d+/ })
        .waitFor({ state: 'visible' });
      const shown = Number(/Run #(\d+)/.exec((await view.locator('#run-title').textContent()) ?? '')?.[1]);
      assert.ok(shown > first, `the panel shows the newer run #${shown}, not #${first}`);
      await view.locator('#run-status').filter({ hasText: 'Succeeded' }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      // The rerun is incremental: nothing new, and the chart's axis says 0 once.
      const axis = (await view.locator('#throughput-chart .chart-axis').allTextContents()).map((t) => t.trim());
      assert.deepEqual(axis, ['0'], `a zero-record run's axis: ${axis.join(', ')}`);
    });
  });

  it('meets WCAG AA in a light theme: status colours, screen-reader labels of Syncs rows, a table behind the chart', async () => {
    await step('rerun-follow-light', async () => {
      await setColorTheme(page, 'Light Modern');
      const web = webviewContent(page);
      await web.locator('body.vscode-light').waitFor({ state: 'attached' });
      const colours = await web.locator('#run-status').evaluate((el) => {
        interface Styled {
          dataset: Record<string, string>;
        }
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } })
          .getComputedStyle;
        const body = (globalThis as unknown as { document: { body: unknown } }).document.body;
        const status = el as unknown as Styled;
        const before = status.dataset.status;
        // The page's background: the body's when it paints one, else the theme's editor background the webview shows.
        const root = (globalThis as unknown as { document: { documentElement: unknown } }).document.documentElement;
        const painted = [style(body).backgroundColor, style(root).backgroundColor].find(
          (c) => c && !/rgba\(.*,\s*0\)$|transparent/.test(c),
        );
        const themed = (style(root) as unknown as { getPropertyValue(n: string): string }).getPropertyValue('--vscode-editor-background');
        const out: Record<string, string> = { background: painted ?? themed.trim() };
        for (const s of ['Succeeded', 'Failed', 'Cancelled', 'Running']) {
          status.dataset.status = s;
          out[s] = style(el).color;
        }
        status.dataset.status = before;
        return out;
      });
      for (const s of ['Succeeded', 'Failed', 'Cancelled', 'Running']) {
        const ratio = contrastRatio(colours[s], colours.background);
        console.log(`ui: "${s}" ${colours[s]} on ${colours.background}: ${ratio.toFixed(2)}:1`);
        assert.ok(ratio >= 4.5, `"${s}" is ${ratio.toFixed(2)}:1 on the light background (WCAG AA needs 4.5:1)`);
      }
      // The chart as text: a table of the samples, behind a disclosure.
      await web.locator('#throughput-table-box summary').click();
      await web.locator('#throughput-table tbody tr').first().waitFor({ state: 'visible' });
      assert.ok((await web.locator('#throughput-table th').allTextContents()).includes('Sent/s'));
    });
    await step('tree-aria', async () => {
      const pane = await viewPane(page, 'Syncs');
      const pair = treeRows(pane)
        .filter({ hasText: /source(\.airbyte\.jsonc)? → destination/ })
        .first();
      const pairLabel = (await pair.getAttribute('aria-label')) ?? '';
      assert.match(pairLabel, /run #\d+/i, `the pair row tells a screen reader its last run: ${pairLabel}`);
      assert.match(pairLabel, /Succeeded/, pairLabel);
      if ((await pair.getAttribute('aria-expanded')) !== 'true') {
        await pair.click();
        await page.keyboard.press('ArrowRight');
      }
      const run = treeRows(pane)
        .filter({ hasText: /#\d+ Failed|#\d+ Succeeded/ })
        .first();
      await run.waitFor({ state: 'visible' });
      const runLabel = (await run.getAttribute('aria-label')) ?? '';
      assert.match(runLabel, /Run #\d+, (Succeeded|Failed)/, `a run row's label: ${runLabel}`);
    });
    await step('failed-headline-light', async () => {
      await page
        .locator('.tabs-container .tab', { hasText: /Airbyte Run #\d+: source → wrongpath/ })
        .first()
        .click();
      const web = webviewContent(page);
      await web.locator('#run-error').filter({ hasText: BAD_PATH_CAUSE }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
    });
    // After the step's screenshot, which is the light one.
    await setColorTheme(page, 'Dark Modern');
  });

  it('keeps one Syncs row per pair of config files when a config is edited, marking the change in its history', async () => {
    await step('identity-change', async () => {
      const file = path.join(session.workspace.dir, 'destination.airbyte.jsonc');
      const text = await fs.readFile(file, 'utf8');
      // A new non-secret value: a new config identity (its state starts afresh).
      await fs.writeFile(file, text.replace('"config": {', '"config": {\n    "flush_every": 500,'));
      await write('source.airbyte.jsonc', 'destination.airbyte.jsonc');
      await succeeded();
      await openViewContainer(page, 'Airbyte');
      const pane = await viewPane(page, 'Syncs');
      const pairs = treeRows(pane).filter({ hasText: /^\s*source(\.airbyte\.jsonc)? → destination(\.airbyte\.jsonc)?/ });
      await pairs.first().waitFor({ state: 'visible' });
      assert.equal(await pairs.count(), 1, `rows: ${(await treeRows(pane).allTextContents()).join(' | ')}`);
      if ((await pairs.first().getAttribute('aria-expanded')) !== 'true') {
        await pairs.first().click();
        await page.keyboard.press('ArrowRight');
      }
      await treeRows(pane).filter({ hasText: 'destination config changed' }).first().waitFor({ state: 'visible' });
    });
  });

  it('words live progress as “N read · M written”', async () => {
    await step('progress-wording', async () => {
      await write('hanging.airbyte.jsonc', 'sqlite.airbyte.jsonc', 'append');
      const progress = notifications(page)
        .filter({ hasText: /hanging/ })
        .first();
      await progress.filter({ hasText: /users 5 read · \d+ written/ }).waitFor({ state: 'visible', timeout: slowTimeoutMs });
      await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await page
        .locator('.part.statusbar .statusbar-item', { hasText: /Airbyte:/, has: page.locator('.codicon-sync') })
        .waitFor({ state: 'detached', timeout: slowTimeoutMs });
    });
  });

  it('names the airbyte.dockerHost User setting when its engine is unreachable, and opens that setting', async () => {
    const socket = path.join(session.workspace.dir, 'no-engine-here.sock');
    /** The airbyte.dockerHost row of the open Settings editor (User tab), once shown. */
    const settingRow = async () => {
      const editor = page.locator('.settings-editor');
      await editor.waitFor({ state: 'visible' });
      const row = editor.locator('.setting-item', { hasText: /Docker Host/ }).first();
      await row
        .or(editor.locator('.no-results-message:visible', { hasText: 'No Settings Found' }))
        .first()
        .waitFor({ state: 'visible' });
      assert.ok(await row.isVisible(), 'the User tab of the Settings editor shows airbyte.dockerHost (not "No Settings Found")');
      return row;
    };
    await step('docker-host-setting', async () => {
      // As a newcomer sets it: the Settings editor's User tab, in this remote (code-server) window.
      await runCommand(page, 'Preferences: Open User Settings');
      await page.keyboard.type('airbyte.dockerHost');
      const input = (await settingRow()).locator('input').first();
      await input.fill(`unix://${socket}`);
      await input.press('Tab');
      // Applied without a reload: the extension saw it change.
      await waitForChannelFile(session.server.userDataDir, 'Airbyte', /Settings changed: dockerHost/);
    });
    await step('docker-host', async () => {
      await clearNotifications();
      await runCommand(page, 'Airbyte: Check Connection');
      await pickQuickItem(page, /config/i, 'destination.airbyte.jsonc');
      const toast = notifications(page)
        .filter({ has: page.locator('.codicon-error') })
        .first();
      await toast.waitFor({ state: 'visible', timeout: slowTimeoutMs });
      const message = (await toast.locator('.notification-list-item-message').textContent()) ?? '';
      assert.match(message, /no-engine-here\.sock/, message);
      assert.match(message, /airbyte\.dockerHost setting \(User settings\)/, message);
      await toast.locator('.monaco-button', { hasText: 'Open Settings' }).click();
      const input = (await settingRow()).locator('input').first();
      assert.equal(await input.inputValue(), `unix://${socket}`, 'Open Settings lands on the value in effect');
      await input.fill('');
      await input.press('Tab');
    });
  });
});
