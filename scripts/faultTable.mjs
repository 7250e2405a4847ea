// Prints the fault tier's figures (.test-artifacts/fault/figures.jsonl) as one markdown table and
// keeps it as .test-artifacts/fault/figures.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = path.join(root, '.test-artifacts', 'fault', 'figures.jsonl');
if (!existsSync(file)) {
  console.log('fault figures: none were recorded');
  process.exit(0);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
rows.sort((a, b) => a.area.localeCompare(b.area) || a.case.localeCompare(b.case));
const lines = ['| area | case | trials | failures | worst case |', '| --- | --- | ---: | ---: | --- |'];
for (const r of rows) lines.push(`| ${r.area} | ${r.case} | ${r.trials} | ${r.failures} | ${r.worst} |`);
const trials = rows.reduce((n, r) => n + r.trials, 0);
const failures = rows.reduce((n, r) => n + r.failures, 0);
lines.push(`| **all** | ${rows.length} cases | ${trials} | ${failures} | |`);
const table = lines.join('\n');
writeFileSync(path.join(path.dirname(file), 'figures.md'), `${table}\n`);
console.log(`\n=== Fault figures\n${table}`);
