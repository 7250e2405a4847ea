// The extension tier: runs the mocha suite (test/extension/suite) inside the extension host of a
// real code-server, opened by headless Chromium on a temp copy of the fixture workspace, and writes
// .test-artifacts/counts/extension.json. A suite that never reports back is a failure with its
// reason; code-server and Chromium are always stopped.
//
//   node --import tsx test/harness/runExtensionTests.ts [--grep TEXT]
//        [--extension-dir DIR] [--suite-src DIR]   (another extension/suite: harness self-checks)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, screenshot, type Browser } from './browser';
import { buildExtensionSuite } from './buildExtensionSuite';
import { startCodeServer, type CodeServer } from './codeServer';
import { readCounts, writeCounts, type TierCounts } from './counts';
import { compiledSuiteDir, repoRoot, screenshotsDir } from './paths';
import { createTestWorkspace, fixtureEnv, type TestWorkspace } from './testWorkspace';

// Workbench start-up lines that say nothing about the suite (the log also carries the extension
// host's console, which is what matters here).
const workbenchChatter =
  /^(Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|Creating a socket|Resolv(ed|ing) connection token|\[Service Worker\]|ChatSessionStore: Migrating)/;

interface ExitReport {
  code: number;
  logs: unknown;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      grep: { type: 'string' },
      'extension-dir': { type: 'string' },
      'suite-src': { type: 'string' },
      tier: { type: 'string', default: 'extension' },
    },
  });
  const tier = values.tier ?? 'extension';
  const extensionDir = path.resolve(values['extension-dir'] ?? repoRoot);
  const timeoutMs = Number(process.env.AIRBYTE_WRITE_EXTENSION_TIMEOUT_MS ?? 15 * 60_000);
  const counts: TierCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const fail = (reason: string) => {
    counts.failed += 1;
    counts.failures.push(reason);
    console.error(`extension tier: ${reason}`);
  };

  for (const stale of await fs.readdir(screenshotsDir).catch(() => [] as string[])) {
    if (stale.startsWith(`${tier}-`)) await fs.rm(path.join(screenshotsDir, stale), { force: true });
  }

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let workspace: TestWorkspace | undefined;
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'airbyte-write-ext-tier-'));
  const suiteCountsFile = path.join(scratch, 'suite-counts.json');
  try {
    // Inside the repository either way, so that the compiled suite resolves mocha from node_modules.
    const suiteOut = values['suite-src'] ? path.join(repoRoot, '.vscode-test', 'suite-selfcheck') : compiledSuiteDir;
    const suiteEntry = await buildExtensionSuite(values['suite-src'] ? path.resolve(values['suite-src']) : undefined, suiteOut);
    workspace = await createTestWorkspace();

    server = await startCodeServer({
      env: {
        AIRBYTE_WRITE_TEST_COUNTS_FILE: suiteCountsFile,
        ...fixtureEnv(),
        ...(values.grep ? { AIRBYTE_WRITE_TEST_GREP: values.grep } : {}),
      },
    });
    console.log(`code-server ${server.origin} ready in ${server.startMs} ms`);
    browser = await launchBrowser();
    const { page } = browser;

    let onExit!: (report: ExitReport) => void;
    const exited = new Promise<ExitReport>((resolve) => (onExit = resolve));
    // Both must exist before the workbench loads: it looks for them once, at start.
    await page.exposeFunction('codeAutomationLog', (level: string, message: string) => {
      const text = String(message);
      if (level !== 'error' && workbenchChatter.test(text)) return;
      if (level === 'error') console.error(text);
      else console.log(text);
    });
    await page.exposeFunction('codeAutomationExit', (code: number, logs: unknown) => onExit({ code, logs }));

    const started = performance.now();
    const url = server.workbenchUrl(workspace.dir, [
      ['extensionDevelopmentPath', server.remoteUri(extensionDir)],
      ['extensionTestsPath', server.remoteUri(suiteEntry)],
      ['skipWelcome', 'true'],
    ]);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    const suiteMs = Math.round(performance.now() - started);

    // The workbench as the suite left it (after a timeout: as it hangs).
    await screenshot(page, outcome === 'timeout' ? `${tier}-timeout` : `${tier}-end`).catch(() => undefined);
    if (outcome === 'timeout') {
      fail(`the extension-host suite did not finish within ${timeoutMs / 1000} s (AIRBYTE_WRITE_EXTENSION_TIMEOUT_MS)`);
    } else {
      const suite = readCounts(suiteCountsFile);
      if (suite) {
        Object.assign(counts, suite, { failures: [...suite.failures] });
        if (outcome.code !== 0 && suite.failed === 0) fail(`the extension host exited with code ${outcome.code} although no test failed`);
      } else if (outcome.code !== 0) {
        fail(
          `the extension-host suite exited with code ${outcome.code} before reporting counts (the extension failed to activate or the suite failed to load; see the log above)`,
        );
      } else {
        fail('the extension-host suite exited without reporting counts');
      }
    }
    console.log(`extension tier: code-server start ${server.startMs} ms, suite (page load + tests) ${suiteMs} ms`);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  } finally {
    if (counts.failed > 0) {
      if (browser) {
        await fs.writeFile(path.join(scratch, 'console.log'), browser.consoleLines.join('\n')).catch(() => undefined);
      }
      if (server) {
        const dir = await server.saveLogs(tier).catch(() => undefined);
        if (dir && browser)
          await fs.copyFile(path.join(scratch, 'console.log'), path.join(dir, 'browser-console.log')).catch(() => undefined);
        if (dir) console.error(`extension tier: logs saved in ${path.relative(repoRoot, dir)}`);
      }
    }
    await browser?.close();
    await server?.stop();
    await workspace?.remove();
    await fs.rm(scratch, { recursive: true, force: true });
  }
  writeCounts(tier, counts);
  console.log(`extension tier: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
