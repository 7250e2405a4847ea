// Debian's Chromium driven by playwright-core, with a fresh profile per run. Playwright never
// downloads a browser of its own here: the executable is always /usr/bin/chromium.
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { screenshotsDir } from './paths';

export const chromiumPath = process.env.AIRBYTE_WRITE_CHROMIUM ?? '/usr/bin/chromium';

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running Chromium with one page. */
export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Everything the page printed to its console, in order (for failure reports). */
  readonly consoleLines: string[];
  /** Closes Chromium and removes its profile. */
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh user data dir and returns its first page. */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: run scripts/provision.sh (apt-get install chromium)`);
  }
  const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airbyte-write-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      viewport: options.viewport ?? { width: 1600, height: 1000 },
      timeout: 60_000,
    });
  } catch (err) {
    await fs.rm(profileDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.stack ?? err.message}`));
  return {
    context,
    page,
    consoleLines,
    async close() {
      await context.close().catch(() => undefined);
      await fs.rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Saves a full-page screenshot as .test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(screenshotsDir, { recursive: true });
  const file = path.join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}
