// Playwright helpers that drive the real VS Code web workbench the way a person does: keyboard
// shortcuts, the command palette, quick picks, the Problems panel, views and webviews. Every wait
// is on a UI condition (auto-waiting locators), never a fixed sleep.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** The long timeout for things that depend on real work (a container run, an extension activating). */
export const slowTimeoutMs = 120_000;

/** Loads the workbench at `url` and waits until it is restored with the folder's explorer shown. */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  // The explorer lists the folder once the remote connection and the file service are up.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
}

/** The visible quick input widget (command palette, quick open, quick picks). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

async function focusWorkbench(page: Page): Promise<void> {
  // Keyboard shortcuts reach the workbench only when focus is inside it (not in a webview frame).
  await page
    .locator('.monaco-workbench .part.statusbar')
    .click({ position: { x: 2, y: 2 } })
    .catch(() => undefined);
}

/** Opens the command palette (F1), types `title` and runs the command whose label matches it. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible' });
  await pressEnterOn(page, row);
}

/** Focuses the matching row with the keyboard and presses Enter (as a person would). */
async function pressEnterOn(page: Page, row: Locator): Promise<void> {
  // Rows are focused with the arrow keys; the first match is usually focused already.
  for (let i = 0; i < 50; i++) {
    if (await row.evaluate((el) => el.classList.contains('focused'))) break;
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
}

/**
 * In an open quick pick whose placeholder or title contains `prompt`, types `filter` and picks the
 * row labelled `label` with Enter.
 */
export async function pickQuickItem(page: Page, prompt: string | RegExp, label: string, filter = label): Promise<void> {
  await waitForQuickPick(page, prompt);
  const input = quickInput(page).locator('input.input');
  await input.fill(filter);
  const row = quickInput(page)
    .locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: label }) })
    .first();
  await row.waitFor({ state: 'visible' });
  await pressEnterOn(page, row);
}

/**
 * In an open multi-select quick pick, makes exactly `labels` checked (Space toggles the focused
 * row) and accepts with Enter.
 */
export async function pickManyQuickItems(page: Page, prompt: string | RegExp, labels: string[]): Promise<void> {
  await waitForQuickPick(page, prompt);
  const rows = quickInput(page).locator('.quick-input-list .monaco-list-row');
  // Rows with checkboxes: the items of this multi-select pick, not those of the pick before it.
  await rows.locator('[role=checkbox]').first().waitFor({ state: 'visible', timeout: slowTimeoutMs });
  const count = await rows.count();
  // Move focus into the list, then walk it once from the top.
  await page.keyboard.press('ArrowDown');
  for (let i = 0; i < 50; i++) {
    if (await rows.first().evaluate((el) => el.classList.contains('focused'))) break;
    await page.keyboard.press('ArrowUp');
  }
  for (let i = 0; i < count; i++) {
    const row = rows.nth(i);
    const name = (await row.locator('.label-name').first().textContent())?.trim() ?? '';
    const checked = (await row.locator('[role=checkbox]').first().getAttribute('aria-checked')) === 'true';
    if (labels.includes(name) !== checked) await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
}

/** In an open multi-select quick pick, accepts the rows as preselected (Enter). */
export async function acceptQuickPick(page: Page, prompt: string | RegExp): Promise<void> {
  await waitForQuickPick(page, prompt);
  await quickInput(page)
    .locator('.quick-input-list .monaco-list-row [role=checkbox]')
    .first()
    .waitFor({ state: 'visible', timeout: slowTimeoutMs });
  await page.keyboard.press('Enter');
}

/** Waits until a quick pick whose title or placeholder matches `prompt` is shown. */
export async function waitForQuickPick(page: Page, prompt: string | RegExp, timeout = 60_000): Promise<void> {
  const widget = quickInput(page);
  await widget.waitFor({ state: 'visible', timeout });
  const text = typeof prompt === 'string' ? new RegExp(escapeRegExp(prompt), 'i') : prompt;
  await page.waitForFunction(
    ([source, flags]) => {
      // Runs in the page; typed structurally since this project compiles without the DOM library.
      interface El {
        textContent: string | null;
        getAttribute(name: string): string | null;
        querySelector(s: string): El | null;
        style?: { display: string };
      }
      const w = (globalThis as unknown as { document: El }).document.querySelector('.quick-input-widget');
      if (!w || w.style?.display === 'none') return false;
      const title = w.querySelector('.quick-input-title')?.textContent ?? '';
      const placeholder = w.querySelector('input.input')?.getAttribute('placeholder') ?? '';
      const aria = w.querySelector('input.input')?.getAttribute('aria-label') ?? '';
      return new RegExp(source, flags).test(`${title}\n${placeholder}\n${aria}`);
    },
    [text.source, text.flags] as const,
    { timeout },
  );
}

/** Switches the colour theme through "Preferences: Color Theme", typing its name (`Light Modern`, `Dark High Contrast`). */
export async function setColorTheme(page: Page, name: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await waitForQuickPick(page, /theme/i);
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
}

/** Opens a workspace file by name through Quick Open (Ctrl+P) and waits for its editor tab. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await focusWorkbench(page);
  await page.keyboard.press('Control+P');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  const row = quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
  await row.waitFor({ state: 'visible' });
  await pressEnterOn(page, row);
  await page.locator(`.tabs-container .tab.active[aria-label*="${fileName}"]`).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

/** Moves the cursor of the active editor to the start of `line` (Ctrl+G, as a person would). */
export async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = quickInput(page).locator('input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden' });
  await page
    .locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`Ln ${line},`) })
    .first()
    .waitFor({ state: 'visible' });
}

/** Opens the quick fix menu at the cursor (Ctrl+.) and applies the action whose title matches. */
export async function applyQuickFix(page: Page, title: string | RegExp): Promise<void> {
  await page.keyboard.press('Control+.');
  const widget = page.locator('.action-widget');
  await widget.waitFor({ state: 'visible' });
  const row = widget.locator('.monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible' });
  await pressEnterOn(page, row);
  await widget.waitFor({ state: 'hidden' });
}

/** Shows the Problems panel (Ctrl+Shift+M) and returns its locator. */
export async function showProblems(page: Page): Promise<Locator> {
  await focusWorkbench(page);
  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible' });
  return panel;
}

/** The rows of the Problems panel that hold a marker message. */
export function problemRows(panel: Locator): Locator {
  return panel.locator('.monaco-list-row .marker-message-details, .monaco-list-row .marker-message');
}

/** Opens a view container from the activity bar by its title (e.g. "Airbyte"). */
export async function openViewContainer(page: Page, title: string): Promise<void> {
  const item = page
    .locator(`.activitybar .action-item a[aria-label^="${title}"], .activitybar .action-item[aria-label^="${title}"]`)
    .first();
  await item.waitFor({ state: 'visible' });
  const container = page.locator('.part.sidebar .composite.title', { hasText: new RegExp(escapeRegExp(title), 'i') });
  if (!(await container.isVisible())) await item.click();
  await container.waitFor({ state: 'visible' });
}

/** The section of a view (e.g. "Syncs") inside the open side bar, expanded. */
export async function viewPane(page: Page, viewName: string): Promise<Locator> {
  // A container with a single view hides that view's header, so the header is only attached.
  const headerSelector = `.pane-header[aria-label="${viewName} Section"]`;
  const header = page.locator(`.part.sidebar ${headerSelector}`);
  await header.waitFor({ state: 'attached' });
  if ((await header.isVisible()) && (await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  const pane = page.locator('.part.sidebar .pane', { has: page.locator(headerSelector) });
  await pane.locator('.pane-body').waitFor({ state: 'visible' });
  return pane;
}

/** The tree rows of a view pane. */
export function treeRows(pane: Locator): Locator {
  return pane.locator('.pane-body .monaco-list-row');
}

/**
 * The document inside the visible webview panel: the workbench hosts a webview in an
 * `iframe.webview.ready` whose own document holds the content in `iframe#active-frame`.
 */
export function webviewContent(page: Page): FrameLocator {
  return page.locator('iframe.webview.ready:visible').contentFrame().locator('iframe#active-frame').contentFrame();
}

/** The text of the editor inside the panel (Output), as rendered; Monaco draws spaces as U+00A0. */
export async function panelEditorText(page: Page): Promise<string> {
  const lines = await page.locator('.part.panel .monaco-editor .view-lines .view-line').allTextContents();
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

/** Notification toasts currently shown. */
export function notifications(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-toast');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The content of an output channel, from the log file VS Code keeps for it under the user data
 * dir, once it matches `expected` (the extension host writes it asynchronously).
 */
export async function waitForChannelFile(userDataDir: string, channel: string, expected: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    const files = (await fs.readdir(path.join(userDataDir, 'logs'), { recursive: true }).catch(() => [] as string[])).filter(
      // An output channel's file (output_logging_*/N-Name.log), or a log channel's (exthost/<extension>/Name.log).
      (f) =>
        (f.includes('output_logging_') || f.includes('exthost')) &&
        /^(\d+-)?$/.test(path.basename(f).slice(0, -`${channel}.log`.length)) &&
        f.endsWith(`${channel}.log`),
    );
    text = (await Promise.all(files.map((f) => fs.readFile(path.join(userDataDir, 'logs', f), 'utf8')))).join('\n');
    if (expected.test(text) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(text, expected, `the ${channel} channel`);
  return text;
}
