// The extension-host test entry (`extensionTestsPath`): VS Code loads the compiled form of this file
// inside the real extension host and awaits run(). It runs every compiled *.test.js beside it with
// mocha (BDD: describe/it), prints a spec report to the console (forwarded to the harness through
// codeAutomationLog) and writes the counts where the harness asked (AIRBYTE_WRITE_TEST_COUNTS_FILE).
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

interface SuiteCounts {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTestFiles(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function writeCounts(counts: SuiteCounts): void {
  const file = process.env.AIRBYTE_WRITE_TEST_COUNTS_FILE;
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(counts));
}

/** Runs the suite; rejects when any test failed (VS Code then reports exit code 1). */
export async function run(): Promise<void> {
  // The extension host forwards console arguments joined with commas, unformatted (and its
  // console methods cannot be replaced): format mocha's report lines before they get there.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    // Tests drive real containers and the real workbench: generous, but a hang still ends.
    timeout: Number(process.env.AIRBYTE_WRITE_TEST_TIMEOUT_MS ?? 120_000),
    grep: process.env.AIRBYTE_WRITE_TEST_GREP || undefined,
  });
  const files = findTestFiles(__dirname);
  const counts: SuiteCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  if (files.length === 0) {
    counts.failed = 1;
    counts.failures.push(`no *.test.js files beside ${__filename}`);
    writeCounts(counts);
    throw new Error(counts.failures[0]);
  }
  for (const file of files) mocha.addFile(file);

  await new Promise<void>((resolve) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run(() => resolve());
    } catch (err) {
      // A test file that throws while loading never reaches the runner's events.
      counts.failed += 1;
      console.error('loading the suite failed:', err);
      const where = err instanceof Error ? err.stack?.split('\n').find((line) => line.includes('.test.js')) : undefined;
      counts.failures.push(
        `loading the suite failed: ${err instanceof Error ? err.message : String(err)}${where ? ` (${where.trim()})` : ''}`,
      );
      resolve();
      return;
    }
    runner.on('pass', () => (counts.passed += 1));
    runner.on('pending', () => (counts.skipped += 1));
    runner.on('fail', (test, err: unknown) => {
      counts.failed += 1;
      const message = err instanceof Error ? err.message : String(err);
      counts.failures.push(`${test.fullTitle()}: ${message.split('\n')[0]}`);
    });
  });
  writeCounts(counts);
  console.log(`extension suite: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (counts.failed > 0) throw new Error(`${counts.failed} extension test(s) failed`);
}
