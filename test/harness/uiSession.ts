// One browser test session: a fresh copy of the fixture workspace, code-server with the packaged
// VSIX, headless Chromium on the workbench, and `step`, which keeps a screenshot of each step (and,
// when one fails, its screenshot, the browser console, code-server's logs and a Playwright trace).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type Browser } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { vsixPath } from './paths';
import { createTestWorkspace, fixtureEnv, type TestWorkspace } from './testWorkspace';
import { openWorkbench } from './workbench';

export interface UiSession {
  readonly page: Page;
  readonly workspace: TestWorkspace;
  readonly server: CodeServer;
  /** Runs one user-visible step and saves `ui-<prefix>-<name>.png` (`…-FAILED.png` when it throws). */
  step(name: string, body: () => Promise<void>): Promise<void>;
  /** Stops everything; keeps the logs and trace when a step failed. */
  close(): Promise<void>;
}

export interface UiSessionOptions {
  /** Screenshot and log folder prefix (`gs` → ui-gs-*.png, .test-artifacts/logs/ui-gs/). */
  prefix: string;
  /** Prepares the workspace copy before code-server opens it. */
  prepare?: (dir: string) => Promise<void>;
  userSettings?: Record<string, unknown>;
  /** Environment for code-server's extension host, beside the fixture's. */
  env?: Record<string, string>;
}

/** Starts a session and opens the workbench on its workspace. */
export async function startUiSession(options: UiSessionOptions): Promise<UiSession> {
  assert.ok(existsSync(vsixPath), `${vsixPath} is missing: run npm run package (scripts/tier-ui.sh does)`);
  const workspace = await createTestWorkspace();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    await options.prepare?.(workspace.dir);
    server = await startCodeServer({
      installVsix: [vsixPath],
      env: { ...fixtureEnv(), ...options.env },
      userSettings: options.userSettings,
    });
    browser = await launchBrowser();
    browser.page.setDefaultTimeout(30_000);
    await browser.context.tracing.start({ screenshots: true, snapshots: true });
    await openWorkbench(browser.page, server.workbenchUrl(workspace.dir));
  } catch (error) {
    await browser?.close();
    await server?.stop();
    await workspace.remove();
    throw error;
  }
  const [startedServer, startedBrowser] = [server, browser];
  let failures = 0;
  return {
    page: startedBrowser.page,
    workspace,
    server: startedServer,
    async step(name, body) {
      try {
        await body();
        await screenshot(startedBrowser.page, `ui-${options.prefix}-${name}`);
      } catch (error) {
        failures += 1;
        await screenshot(startedBrowser.page, `ui-${options.prefix}-${name}-FAILED`).catch(() => undefined);
        throw error;
      }
    },
    async close() {
      if (failures > 0) {
        const dir = await startedServer.saveLogs(`ui-${options.prefix}`).catch(() => undefined);
        if (dir) {
          await fs.writeFile(path.join(dir, 'browser-console.log'), startedBrowser.consoleLines.join('\n')).catch(() => undefined);
          await startedBrowser.context.tracing.stop({ path: path.join(dir, 'playwright-trace.zip') }).catch(() => undefined);
          console.error(`ui: logs and Playwright trace saved in ${dir}`);
        }
      } else {
        await startedBrowser.context.tracing.stop().catch(() => undefined);
      }
      await startedBrowser.close();
      await startedServer.stop();
      await workspace.remove();
    },
  };
}
