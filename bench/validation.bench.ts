/**
 * Validation and completion benchmark: a 500-line `*.airbyte.jsonc` for destination-s3 (real
 * spec), validated as the editor does on each change (parse with positions, envelope, ajv,
 * oneOf branch selection, ranges, secret/hidden walk) and completed inside nested objects.
 * Baselines measured in the same run: `jsonc-parser.parse` alone, and bare ajv `validate` of the
 * already-parsed object with a precompiled validator.
 * Targets: validation median < 5 ms, completion median < 10 ms.
 *
 *   node --import tsx bench/validation.bench.ts
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { specsDir } from '../test/harness/paths';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseJsonc } from 'jsonc-parser';
import { completeConfig } from '../src/core/language/configCompletion';
import { parseConfigDocument } from '../src/core/language/configDocument';
import { validateConfigDocument, validateConfigText } from '../src/core/language/configValidation';
import type { ConnectorSpecification } from '../src/core/protocol/messages';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const spec = JSON.parse(readFileSync(path.join(specsDir, 'destination-s3.spec.json'), 'utf8')) as ConnectorSpecification;

/** A realistic long config: documented fields, the Parquet format block, and extra tagged settings (the spec allows extra fields). */
function bigConfig(lines: number, broken: boolean): string {
  const out: string[] = [
    '{',
    '  // Nightly export of the warehouse tables to S3 as Parquet.',
    '  "connector": "destination-s3",',
    '  "config": {',
    '    // Bucket and prefix',
    '    "s3_bucket_name": "acme-analytics-exports",',
    '    "s3_bucket_path": "warehouse/nightly",',
    `    "s3_bucket_region": "${broken ? 'moon-1' : 'eu-west-1'}",`,
    '    "access_key_id": "${env:S3_ACCESS_KEY_ID}",',
    '    "secret_access_key": "${env:S3_SECRET_ACCESS_KEY}",',
    '    "s3_path_format": "${NAMESPACE}/${STREAM_NAME}/${YEAR}_${MONTH}_${DAY}_${EPOCH}_",',
    '    "file_name_pattern": "{date}_{timestamp}_{part_number}{format_extension}",',
    '    "format": {',
    '      "format_type": "Parquet",',
    `      "compression_codec": "${broken ? 'BZIP9' : 'SNAPPY'}",`,
    `      "block_size_mb": ${broken ? '"large"' : '128'},`,
    '      "page_size_kb": 1024,',
    '      "dictionary_page_size_kb": 1024,',
    '      "dictionary_encoding": true',
    '    },',
  ];
  let i = 0;
  while (out.length + 7 <= lines - 3) {
    out.push(`    // Team ${i}: routing settings kept beside the connector config`);
    out.push(`    "x_team_${i}": {`);
    out.push(`      "owner": "team-${i}@example.com",`);
    out.push(`      "streams": ["orders_${i}", "customers_${i}", "events_${i}"],`);
    out.push(`      "retention_days": ${30 + (i % 60)},`);
    out.push(`      "enabled": ${i % 2 === 0}`);
    out.push('    },');
    i++;
  }
  while (out.length < lines - 3) out.push('    // (reserved for more teams)');
  out.push('    "x_end": true');
  out.push('  }');
  out.push('}');
  return out.join('\n');
}

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] };
}

function measure(fn: () => void): { median: number; p95: number } {
  for (let i = 0; i < 50; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

const fmt = (x: number) => `${x.toFixed(3)} ms`;
let failed = false;

const valid = bigConfig(500, false);
const broken = bigConfig(500, true);
console.log(
  `config: ${valid.split('\n').length} lines, ${(valid.length / 1024).toFixed(1)} KiB, spec destination-s3 (${JSON.stringify(spec).length} bytes)`,
);

const validDiagnostics = validateConfigText(valid, { spec });
const brokenDiagnostics = validateConfigText(broken, { spec });
if (validDiagnostics.some((d) => d.severity === 'error'))
  throw new Error(`the valid config has errors: ${JSON.stringify(validDiagnostics)}`);
if (brokenDiagnostics.filter((d) => d.severity === 'error').length !== 3)
  throw new Error(`the broken config should have 3 errors: ${JSON.stringify(brokenDiagnostics.map((d) => d.message))}`);

const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateSchema: false });
addFormats(ajv);
const bare = ajv.compile(spec.connectionSpecification);
const parsedValid = (parseJsonc(valid) as { config: unknown }).config;
const parsedBroken = (parseJsonc(broken) as { config: unknown }).config;

const rows: [string, { median: number; p95: number }][] = [
  ['baseline jsonc-parser.parse', measure(() => parseJsonc(valid))],
  ['baseline bare ajv validate (parsed, valid)', measure(() => bare(parsedValid))],
  ['baseline bare ajv validate (parsed, 3 errors)', measure(() => bare(parsedBroken))],
  ['ours validate (valid)', measure(() => validateConfigText(valid, { spec }))],
  ['ours validate (3 errors)', measure(() => validateConfigText(broken, { spec }))],
];
const inFormat = valid.indexOf('"dictionary_encoding"') - 6;
const afterKey = valid.indexOf('"compression_codec": "') + '"compression_codec": "'.length;
const inConfig = valid.indexOf('    "x_end"');
const completions: [string, number][] = [
  ['ours completion: property names in config', inConfig],
  ['ours completion: property names in format (oneOf branch)', inFormat],
  ['ours completion: enum values', afterKey],
];
for (const [label, offset] of completions) {
  const n = completeConfig(parseConfigDocument(valid), offset, { spec }).items.length;
  if (n === 0) throw new Error(`${label}: no items`);
  rows.push([`${label} (${n} items)`, measure(() => completeConfig(parseConfigDocument(valid), offset, { spec }))]);
}
const parseOnly = measure(() => parseConfigDocument(valid));
rows.push(['ours parse with positions only', parseOnly]);
rows.push(['ours validate from parsed doc (valid)', measure(() => validateConfigDocument(parseConfigDocument(valid), { spec }))]);

const width = Math.max(...rows.map(([l]) => l.length));
console.log(`${'case'.padEnd(width)}  median      p95`);
for (const [label, s] of rows) console.log(`${label.padEnd(width)}  ${fmt(s.median).padStart(9)}  ${fmt(s.p95).padStart(9)}`);

const parseBase = rows[0][1].median;
const validateOurs = rows[3][1].median;
const validateBroken = rows[4][1].median;
console.log(`ratio ours validate (valid) / jsonc-parser.parse: ${(validateOurs / parseBase).toFixed(2)}x`);
console.log(`ratio ours validate (valid) / (parse + bare ajv): ${(validateOurs / (parseBase + rows[1][1].median)).toFixed(2)}x`);
console.log(`ratio ours validate (3 errors) / (parse + bare ajv): ${(validateBroken / (parseBase + rows[2][1].median)).toFixed(2)}x`);
for (const [label, s] of rows) {
  if (label.startsWith('ours validate') && s.median >= 5) {
    console.log(`FAIL: ${label} median ${fmt(s.median)} >= 5 ms`);
    failed = true;
  }
  if (label.startsWith('ours completion') && s.median >= 10) {
    console.log(`FAIL: ${label} median ${fmt(s.median)} >= 10 ms`);
    failed = true;
  }
}
console.log(failed ? 'validation bench: target missed' : 'validation bench: validation < 5 ms and completion < 10 ms (median): met');
process.exitCode = failed ? 1 : 0;
