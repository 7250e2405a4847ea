// `--json` always prints exactly one JSON document (issue 15, "bad input"): seeded command lines of
// every command, with missing, unknown, repeated and malformed options and arguments, run through
// the CLI in process (`main`). Each must exit 0, 1 or 2, print no stack trace, and print one JSON
// document on stdout; a failure is `{ "ok": false, "error": { "code", "message" } }`.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { recordFaultFigure } from '../../harness/faultFigures';
import { registrySamplePath } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { captureIo } from '../../unit/cliTestSupport';
import { prng } from '../../unit/prng';

const COMMAND_LINES = 400;
const SEED = 33;
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** Arguments that go wrong in as many ways as the commands can be told: one or two tokens each. */
function argumentPool(dir: string): string[][] {
  const file = (name: string) => path.join(dir, name);
  return [
    ['--bogus'],
    ['-x'],
    ['--json=1'],
    ['--json', '--json'],
    ['--help'],
    ['-h'],
    ['--'],
    ['--', '--json'],
    ['stray'],
    [''],
    ['builtin:sample'],
    ['builtin:nope'],
    ['destination-postgres'],
    ['nope'],
    [file('sample.airbyte.jsonc')],
    [file('dev-null.airbyte.jsonc')],
    [file('broken.airbyte.jsonc')],
    [file('missing.airbyte.jsonc')],
    [dir],
    ['--config'],
    ['--config', file('sample.airbyte.jsonc')],
    ['--config', file('missing.json')],
    ['--config', file('broken.airbyte.jsonc')],
    ['--image', '../../etc/passwd'],
    ['--image', 'airbyte/destination-sqlite:0.2.9'],
    ['--version', '/'],
    ['--local-dir', 'sub'],
    ['--source'],
    ['--source', file('sample.airbyte.jsonc')],
    ['--source', 'cache:abc'],
    ['--source', 'cache:999'],
    ['--source', 'builtin:sample'],
    ['--source-config', file('sample.airbyte.jsonc')],
    ['--destination', file('dev-null.airbyte.jsonc')],
    ['--destination', 'builtin:dev-null'],
    ['--destination-config', file('missing.json')],
    ['--streams', ','],
    ['--streams', 'users,nope'],
    ['--strategy', 'nope'],
    ['--strategy', 'merge'],
    ['--no-cache'],
    ['--full-refresh'],
    ['--state-file', file('state.sqlite')],
    // Not here: `--state-file <a folder>` (a raw EISDIR today) is the damaged-store case "a folder at the path", fixed in the store.
    ['--records'],
    ['--timeout', '-1'],
    ['--timeout', 'soon'],
    ['--limit', '0'],
    ['--cached'],
    ['--all'],
    ['--type', 'foo'],
    ['--type', 'source'],
    ['list'],
    ['show'],
    ['show', 'destination-sqlite'],
    ['show', 'builtin:sqlite'],
    ['--strict'],
    ['--no-docker'],
    ['--offline'],
    ['-v'],
  ];
}

/** The arguments each command takes (by index in the pool), so that most lines get past the option parser. */
const VERBS: Record<string, (args: string[]) => boolean> = {
  spec: (a) => !/^--(source|destination|streams|strategy|state-file|records|timeout|limit|cached|all|type|strict|offline)/.test(a[0]),
  check: (a) => !/^--(source|destination|streams|strategy|state-file|records|limit|cached|all|type|strict|offline)/.test(a[0]),
  validate: (a) => /^(--(strict|no-docker|offline|registry|refresh)|[^-])/.test(a[0]),
  registry: (a) => /^(--(type|offline|refresh)|list|show|[^-])/.test(a[0]),
  read: (a) => !/^--(destination|strategy|no-cache|timeout|limit|cached|all|type|strict|offline|no-docker)/.test(a[0]),
  write: (a) =>
    /^--(source|destination|streams|strategy|no-cache|full-refresh|state-file|install|registry|docker-host|verbose)|^-v$/.test(a[0]),
  runs: (a) => /^--(cached|all|limit|state-file)/.test(a[0]),
  nope: () => true,
  '--json': () => true,
  help: () => true,
};

/**
 * A command line: a verb, up to four argument groups (mostly ones the verb takes, some not), and
 * `--json` somewhere (or `--json=1`).
 */
function commandLine(random: Random, pool: string[][]): string[] {
  const verb = pick(random, Object.keys(VERBS));
  const fitting = pool.filter(VERBS[verb]);
  const args: string[] = [];
  const groups = Math.floor(random() * 5);
  for (let i = 0; i < groups; i++) args.push(...pick(random, random() < 0.8 && fitting.length ? fitting : pool));
  const json = random() < 0.9 ? '--json' : '--json=1';
  args.splice(Math.floor(random() * (args.length + 1)), 0, json);
  // A `--json` after `--` is a positional, not the option: such lines are not asked for JSON.
  const dashDash = args.indexOf('--');
  if (dashDash >= 0 && dashDash < args.indexOf(json)) args.splice(dashDash, 1);
  return [verb, ...args];
}

/** What is wrong with one `--json` run. */
function problemsOf(code: number, stdout: string[], stderr: string): string[] {
  const problems: string[] = [];
  if (![0, 1, 2].includes(code)) problems.push(`exit code ${code}`);
  if (STACK_LINE.test(stderr)) problems.push('a stack trace on stderr');
  if (stdout.length !== 1) return [...problems, `${stdout.length} writes to stdout instead of one JSON document`];
  let doc: { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    doc = JSON.parse(stdout[0]) as typeof doc;
  } catch {
    return [...problems, `stdout is not JSON: ${JSON.stringify(stdout[0].slice(0, 100))}`];
  }
  if (typeof doc !== 'object' || doc === null) problems.push('the JSON document is not an object');
  else if (code !== 0 && doc.ok !== false) problems.push(`exit ${code} without "ok": false`);
  // A failure names its error, except validate's, which lists the problems of each file.
  else if (
    code !== 0 &&
    !Array.isArray((doc as { files?: unknown }).files) &&
    (typeof doc.error?.code !== 'string' || typeof doc.error.message !== 'string')
  )
    problems.push(`exit ${code} without "error": {code, message}`);
  else if (doc.error && (doc.error as { code?: unknown }).code === 'INTERNAL')
    problems.push(`an internal error: ${String(doc.error.message)}`);
  return problems;
}

describe('--json always prints one JSON document', () => {
  let dir: string;
  const saved = { ...process.env };
  before(async () => {
    dir = await makeTempDir('cli-json-');
    writeFileSync(path.join(dir, 'sample.airbyte.jsonc'), '{ "connector": "builtin:sample", "config": { "count": 2 } }');
    writeFileSync(path.join(dir, 'dev-null.airbyte.jsonc'), '{ "connector": "builtin:dev-null", "config": {} }');
    writeFileSync(path.join(dir, 'broken.airbyte.jsonc'), '{ "connector": "builtin:sample", "config": { "count": ');
    // No network, no engine, nothing outside the temp folder: the registry sample, a Docker socket that is not there.
    process.env.AIRBYTE_LOCAL_REGISTRY = registrySamplePath;
    process.env.DOCKER_HOST = 'unix:///nonexistent/airbyte-write-cli-json/docker.sock';
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  });
  after(async () => {
    process.env = saved;
    await removeTempDir(dir);
  });

  it(`${COMMAND_LINES} seeded command lines: exit 0/1/2, no stack trace, exactly one JSON document`, async () => {
    const random = prng(SEED);
    const pool = argumentPool(dir);
    const failures: string[] = [];
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      for (let i = 0; i < COMMAND_LINES; i++) {
        const argv = commandLine(random, pool);
        const io = captureIo();
        const code = await main(argv, io);
        const problems = problemsOf(code, io.stdout, io.stderr.join('\n'));
        if (problems.length) failures.push(`airbyte-write ${argv.map((a) => JSON.stringify(a)).join(' ')}: ${problems.join('; ')}`);
      }
    } finally {
      process.chdir(cwd);
    }
    recordFaultFigure({
      area: 'bad input',
      case: '--json command lines print exactly one JSON document (usage errors, unknown options, --help, odd values)',
      trials: COMMAND_LINES,
      failures: failures.length,
      worst: failures[0] ?? 'every run printed one JSON document and exited 0, 1 or 2',
    });
    assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${COMMAND_LINES} command lines went wrong`);
  });
});
