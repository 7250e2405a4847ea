// Fuzzing 1,122 configs (issue 15, "bad input"): seeded mutations of real configs (fuzzConfigMutations.ts)
// run through the CLI in process (`main`): `validate --json`, `check --json` (registry connectors
// with no Docker engine reachable), and `write --json` for the built-ins; a sample also as real
// processes. Every run must exit 0, 1 or 2 without crashing (no unhandled rejection, no stack trace
// on stderr), a `--json` run must print exactly one JSON document on stdout, and `validate` and
// `check` must agree on whether the config is acceptable.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { recordFaultFigure } from '../../harness/faultFigures';
import { registrySamplePath } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { prng } from '../../unit/prng';
import { captureIo } from '../../unit/cliTestSupport';
import { runChildCli } from './fuzzChildCli';
import type { FuzzedConfig } from './fuzzConfigMutations';
import { loadSeeds, mutate } from './fuzzConfigMutations';

const CONFIGS = Number(process.env.FUZZ_CONFIGS ?? 1_122);
const SEED = 15;
/** Every n-th config also runs as a real process. */
const CHILD_EVERY = 100;
/** A Docker endpoint that is not there: `check` of a registry connector must fail cleanly without one. */
const NO_DOCKER = 'unix:///nonexistent/airbyte-write-fuzz/docker.sock';
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
/** Error codes by which `check` says the config itself is not acceptable. */
const CONFIG_CODES = new Set(['CONFIG_FILE', 'CONFIG_INVALID']);

interface Run {
  args: string[];
  code: number;
  stdout: string[];
  stderr: string;
  ms: number;
}

type JsonDoc = Record<string, unknown> & { ok?: unknown; error?: { code?: string; message?: string; context?: Record<string, unknown> } };

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

async function runInProcess(args: string[]): Promise<Run> {
  const io = captureIo();
  const started = Date.now();
  let code: number;
  try {
    code = await main(args, io);
  } catch (error) {
    io.stderr.push(`main threw: ${error instanceof Error ? error.stack : String(error)}`);
    code = -1;
  }
  return { args, code, stdout: io.stdout, stderr: io.stderr.join('\n'), ms: Date.now() - started };
}

/** What is wrong with one run: exit code, crash, stack trace, and for `--json` the one JSON document. */
function runProblems(run: { code: number | null; stderr: string }, stdoutDocs: string[] | string): { problems: string[]; doc?: JsonDoc } {
  const problems: string[] = [];
  if (run.code === null || ![0, 1, 2].includes(run.code)) problems.push(`exit code ${run.code}`);
  if (STACK_LINE.test(run.stderr)) problems.push('a stack trace on stderr');
  const text = Array.isArray(stdoutDocs) ? stdoutDocs : [stdoutDocs];
  if (text.length !== 1) return { problems: [...problems, `${text.length} writes to stdout instead of one JSON document`] };
  let doc: JsonDoc | undefined;
  try {
    doc = JSON.parse(text[0]) as JsonDoc;
  } catch {
    return { problems: [...problems, `stdout is not one JSON document: ${JSON.stringify(text[0].slice(0, 120))}`] };
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.ok !== 'boolean') problems.push('the JSON document has no "ok"');
  else if (doc.ok === false && typeof doc.error?.code !== 'string' && !Array.isArray(doc.files))
    problems.push('a failed run without an error code');
  else if (doc.ok === (run.code !== 0)) problems.push(`"ok": ${doc.ok} with exit code ${run.code}`);
  return { problems, doc };
}

function validateErrors(doc: JsonDoc | undefined): string[] {
  const file = (doc?.files as Array<{ error?: string; diagnostics: Array<{ severity: string; code: string; message: string }> }>)?.[0];
  if (!file) return [];
  return [
    ...(file.error ? [file.error] : []),
    ...file.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`),
  ];
}

/** Whether `check` refused the config itself (not the engine, the connection or the registry). */
function checkRejects(doc: JsonDoc | undefined): boolean {
  const code = doc?.error?.code;
  if (!code) return false;
  if (CONFIG_CODES.has(code)) return true;
  // An unknown built-in is the config's mistake; a name the registry does not know depends on the registry.
  return code === 'CONNECTOR_UNKNOWN' && String(doc?.error?.context?.connector ?? '').startsWith('builtin:');
}

/** Where validate (docs[0]), check (docs[1]) and a write (docs[2]) disagree on whether the config is acceptable. */
function disagreements(docs: Array<JsonDoc | undefined>): string[] {
  const errors = validateErrors(docs[0]);
  const rejected = checkRejects(docs[1]);
  const out: string[] = [];
  if (errors.length > 0 && !rejected)
    out.push(`validate found errors (${errors[0]}) but check ${docs[1]?.ok ? 'succeeded' : `failed with ${docs[1]?.error?.code}`}`);
  if (errors.length === 0 && rejected) out.push(`check refused the config (${docs[1]?.error?.message}) but validate found no error`);
  if (errors.length > 0 && docs[2]?.ok === true) out.push(`validate found errors (${errors[0]}) but write succeeded`);
  return out;
}

const shorten = (s: string) => (s.length > 160 ? `${s.slice(0, 160)}… (${s.length} chars)` : s);

describe('fuzzing 1,122 configs through the CLI', () => {
  let dir: string;
  let sampleConfig: string;
  let devNullConfig: string;
  const savedCacheHome = process.env.XDG_CACHE_HOME;
  before(async () => {
    dir = await makeTempDir('fuzz-configs-');
    sampleConfig = path.join(dir, 'good-sample.airbyte.jsonc');
    devNullConfig = path.join(dir, 'good-dev-null.airbyte.jsonc');
    writeFileSync(sampleConfig, '{ "connector": "builtin:sample", "config": { "count": 2 } }');
    writeFileSync(devNullConfig, '{ "connector": "builtin:dev-null", "config": {} }');
    process.on('unhandledRejection', onUnhandled);
    // Nothing outside the temp folder: no spec or registry cache in the user's home.
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    await removeTempDir(dir);
  });

  /** The runs of one fuzzed config (validate, check, and for every other built-in a write) and what went wrong with them. */
  async function fuzzOne(i: number, config: FuzzedConfig): Promise<{ runs: Run[]; problems: string[] }> {
    const file = path.join(dir, `c${i}.airbyte.jsonc`);
    writeFileSync(file, config.text);
    unhandled = [];
    const runs = [
      await runInProcess(['validate', file, '--json', '--no-docker', '--registry', registrySamplePath]),
      await runInProcess(['check', file, '--json', '--registry', registrySamplePath, '--docker-host', NO_DOCKER]),
    ];
    const builtin = config.connector.startsWith('builtin:');
    // Every other built-in config is also written (a write costs what a validate and a check do, and more).
    if (builtin && i % 2 === 0) {
      const sides = config.connector === 'builtin:sample' ? [file, devNullConfig] : [sampleConfig, file];
      const state = path.join(dir, `state-${i % 7}.sqlite`);
      runs.push(await runInProcess(['write', '--source', sides[0], '--destination', sides[1], '--json', '--state-file', state]));
    }
    const problems: string[] = [];
    const docs = runs.map((run) => {
      const { problems: found, doc } = runProblems(run, run.stdout);
      for (const p of found) problems.push(`${run.args[0]}: ${p}: ${run.stderr.split('\n')[0]}`);
      return doc;
    });
    for (const reason of unhandled) problems.push(`unhandled rejection: ${String(reason)}`);
    problems.push(...disagreements(docs));
    if (i % CHILD_EVERY === 0) {
      const child = await runChildCli(['check', file, '--json', '--registry', registrySamplePath, '--docker-host', NO_DOCKER], dir);
      for (const p of runProblems(child, child.stdout).problems) problems.push(`check as a process: ${p}: ${child.stderr.split('\n')[0]}`);
    }
    return { runs, problems };
  }

  it('every run exits 0/1/2 without a crash, --json prints one JSON document, validate and check agree', async () => {
    const random = prng(SEED);
    const seeds = loadSeeds();
    const failures: string[] = [];
    let failed = 0;
    let runs = 0;
    let slowest = { ms: 0, what: '' };
    for (let i = 0; i < CONFIGS; i++) {
      const config = mutate(random, seeds[i % seeds.length]);
      const outcome = await fuzzOne(i, config);
      runs += outcome.runs.length + (i % CHILD_EVERY === 0 ? 1 : 0);
      if (outcome.problems.length) failed++;
      for (const p of outcome.problems) failures.push(`#${i} ${config.seed} [${config.mutations.join(', ')}] ${shorten(p)}`);
      for (const run of outcome.runs)
        if (run.ms > slowest.ms) slowest = { ms: run.ms, what: `${run.args[0]} of #${i} (${config.seed}, ${config.mutations.join(', ')})` };
    }
    const childRuns = Math.ceil(CONFIGS / CHILD_EVERY);
    recordFaultFigure({
      area: 'bad input',
      case: `fuzzed configs through validate, check --json, write --json (${runs} runs, ${childRuns} as processes)`,
      trials: CONFIGS,
      failures: failed,
      worst: failures[0] ?? `no crash, every --json run printed one JSON document; slowest run ${slowest.ms} ms (${slowest.what})`,
    });
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, failures.join('\n'));
    assert.deepEqual(failures.slice(0, 40), [], `${failed} of ${CONFIGS} configs went wrong`);
  });
});
