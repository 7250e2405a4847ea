// Runs one node:test tier: every test/<tier>/**/*.test.ts, TypeScript through tsx.
// Prints the spec reporter's output and writes .test-artifacts/counts/<tier>.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tier = process.argv[2];
const filter = process.argv.slice(3);
if (!tier) {
  console.error('usage: node scripts/runTier.mjs <tier> [file-substring…]');
  process.exit(2);
}
const dir = path.join(root, 'test', tier);
const countsDir = path.join(root, '.test-artifacts', 'counts');
mkdirSync(countsDir, { recursive: true });
const countsFile = path.join(countsDir, `${tier}.json`);

function find(d) {
  let out = [];
  for (const name of readdirSync(d)) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
let files = [];
try {
  files = find(dir).sort();
} catch {
  /* reported below */
}
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  writeFileSync(
    countsFile,
    JSON.stringify({ passed: 0, failed: 1, skipped: 0, failures: [`tier ${tier}: no test files under test/${tier}`] }),
  );
  console.error(`tier ${tier}: no test files under test/${tier}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? (tier === 'unit' ? '2' : '1');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts/countReporter.mjs')}`,
    `--test-reporter-destination=${countsFile}`,
    ...files,
  ],
  { stdio: 'inherit', cwd: root, env: { ...process.env, AIRBYTE_WRITE_TEST_TIER: tier } },
);
process.exit(r.status ?? 1);
