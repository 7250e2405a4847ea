// Bad input: malformed `version` and `image` values (and their CLI flags) against the real engine.
// Before: `"version": "/"` or an image `../../etc/passwd` crashed the process with an unhandled
// 'error' event (docker-modem followed the engine's redirect on a request nobody listened to), and
// other malformed values came back as raw dockerode errors. Each must end with exit code 1, one
// JSON object on stdout naming the field, and no stack trace.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { registrySamplePath } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import type { CliOutcome } from './cliProcess';
import { cliBundle, inPool, jsonOf, runCli } from './cliProcess';

const BAD_VERSIONS = ['/', '..', ':', 'a b', '-x', 'x'.repeat(200), 'latest@sha256:xyz', '../../etc', 'v1/../..', '.hidden', 'tag\n'];
const BAD_IMAGES = [
  '../../etc/passwd',
  '/etc/passwd',
  'Airbyte/Destination-X:1',
  'a//b',
  'x:',
  'x:/',
  'x@sha256:zz',
  'http://example.com/x',
  'a b',
  '..',
  '-x',
  'x/../../y',
  ':tag',
  'localhost:abc/x',
  `${'a'.repeat(300)}:1`,
];

let dir: string;
before(async () => {
  await testDocker();
  await cliBundle();
  dir = await makeTempDir('aw-fault-imageref-');
});
after(() => removeTempDir(dir));

/** What went wrong with one run, or undefined when it failed cleanly naming `field`. */
function problemOf(outcome: CliOutcome, field: string): string | undefined {
  const json = jsonOf(outcome);
  const error = json?.error as { code?: string; message?: string } | undefined;
  if (/Unhandled 'error' event/.test(outcome.stderr)) return `crashed: ${firstLine(outcome.stderr)}`;
  if (/^\s+at /m.test(outcome.stderr)) return `raw error with a stack trace: ${firstLine(outcome.stderr)}`;
  if (outcome.code !== 1) return `exit code ${outcome.code}`;
  if (!json || json.ok !== false || !error) return `no JSON error: ${outcome.stdout.slice(0, 200)} ${outcome.stderr.slice(0, 200)}`;
  if (!/^CONFIG_/.test(error.code ?? '')) return `error ${error.code}: ${error.message}`;
  if (!error.message?.includes(`"${field}"`)) return `message does not name "${field}": ${error.message}`;
  return undefined;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0].slice(0, 160);
}

async function trial(field: 'version' | 'image', value: string, via: 'file' | 'flag', n: number): Promise<string | undefined> {
  const env = { DOCKER_HOST: process.env.DOCKER_HOST, AIRBYTE_LOCAL_REGISTRY: registrySamplePath };
  let outcome: CliOutcome;
  if (via === 'file') {
    const file = path.join(dir, `${field}-${n}.airbyte.jsonc`);
    writeFileSync(file, JSON.stringify({ connector: 'destination-postgres', [field]: value, config: {} }));
    outcome = await runCli(['check', file, '--json'], { cwd: dir, env });
  } else {
    const config = path.join(dir, `config-${n}.json`);
    writeFileSync(config, '{}');
    outcome = await runCli(['check', 'destination-postgres', '--config', config, `--${field}=${value}`, '--json'], { cwd: dir, env });
  }
  const problem = problemOf(outcome, field);
  return problem && `${field} ${JSON.stringify(value)} (${via}): ${problem}`;
}

test('malformed version and image values end with a clear CONFIG error naming the field, never a crash', async () => {
  const cases = (['file', 'flag'] as const).flatMap((via) => [
    ...BAD_VERSIONS.map((value) => ({ field: 'version' as const, value, via })),
    ...BAD_IMAGES.map((value) => ({ field: 'image' as const, value, via })),
  ]);
  // Four CLI processes at a time: each mostly waits for the engine.
  const problems = await inPool(cases, 4, (c, n) => trial(c.field, c.value, c.via, n));
  const failures = problems.filter((p): p is string => p !== undefined);
  const trials = cases.length;
  const crashes = failures.filter((f) => f.includes('crashed')).length;
  recordFaultFigure({
    area: 'bad input',
    case: 'malformed "version" / "image" values (config file and CLI flags, real engine)',
    trials,
    failures: failures.length,
    worst: failures.length
      ? `${crashes} crashed (unhandled 'error' event), ${failures.length - crashes} raw errors; first: ${failures[0].slice(0, 100)}`
      : 'every one a CONFIG error naming the field, exit 1, JSON printed',
  });
  assert.deepEqual(failures, []);
});

test('a valid image reference still runs (the check against the real engine succeeds)', async () => {
  const file = path.join(dir, 'ok.airbyte.jsonc');
  writeFileSync(file, JSON.stringify({ connector: 'destination-test', image: 'airbyte-write-test/destination-test:dev', config: {} }));
  const outcome = await runCli(['check', file, '--json'], { cwd: dir, env: { DOCKER_HOST: process.env.DOCKER_HOST } });
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(jsonOf(outcome)?.status, 'SUCCEEDED');
});
