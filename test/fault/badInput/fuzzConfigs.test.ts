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
const CHILD_EVERY = 60;
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

const shorten = (s: string) => (s.length > 160 ? `${s.slice(0, 160)}… (${s.length} chars)` : s);

describe('fuzzing 1,122 configs through the CLI', () => {
  let dir: string;
  let sampleConfig: string;
  let devNullConfig: string;
  before(async () => {
    dir = await makeTempDir('fuzz-configs-');
    sampleConfig = path.join(dir, 'good-sample.airbyte.jsonc');
    devNullConfig = path.join(dir, 'good-dev-null.airbyte.jsonc');
    writeFileSync(sampleConfig, '{ "connector": "builtin:sample", "config": { "count": 2 } }');
    writeFileSync(devNullConfig, '{ "connector": "builtin:dev-null", "config": {} }');
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await removeTempDir(dir);
  });

  it('every run exits 0/1/2 without a crash, --json prints one JSON document, validate and check agree', async () => {
    const random = prng(SEED);
    const seeds = loadSeeds();
    const failures: string[] = [];
    const failedConfigs = new Set<number>();
    let runs = 0;
    let childRuns = 0;
    const times: Record<string, number> = {};
    let slowest = { ms: 0, what: '' };
    const fail = (i: number, config: FuzzedConfig, what: string) => {
      failedConfigs.add(i);
      failures.push(`#${i} ${config.seed} [${config.mutations.join(', ')}] ${shorten(what)}`);
    };
    for (let i = 0; i < CONFIGS; i++) {
      const config = mutate(random, seeds[i % seeds.length]);
      const file = path.join(dir, `c${i}.airbyte.jsonc`);
      writeFileSync(file, config.text);
      unhandled = [];
      const validate = await runInProcess(['validate', file, '--json', '--no-docker', '--registry', registrySamplePath]);
      const check = await runInProcess(['check', file, '--json', '--registry', registrySamplePath, '--docker-host', NO_DOCKER]);
      const all = [validate, check];
      const builtin = config.connector.startsWith('builtin:');
      // Every other built-in config is also written (a write costs what a validate and a check do, and more).
      if (builtin && i % 2 === 0) {
        const sides = config.connector === 'builtin:sample' ? [file, devNullConfig] : [sampleConfig, file];
        const state = path.join(dir, `state-${i % 7}.sqlite`);
        all.push(await runInProcess(['write', '--source', sides[0], '--destination', sides[1], '--json', '--state-file', state]));
      }
      runs += all.length;
      const docs: Array<JsonDoc | undefined> = [];
      for (const run of all) {
        const { problems, doc } = runProblems(run, run.stdout);
        docs.push(doc);
        for (const p of problems) fail(i, config, `${run.args[0]}: ${p}: ${run.stderr.split('\n')[0]}`);
        times[run.args[0]] = (times[run.args[0]] ?? 0) + run.ms;
        if (run.ms > slowest.ms) slowest = { ms: run.ms, what: `${run.args[0]} of #${i} (${config.seed}, ${config.mutations.join(', ')})` };
      }
      for (const reason of unhandled) fail(i, config, `unhandled rejection: ${String(reason)}`);
      const errors = validateErrors(docs[0]);
      const rejected = checkRejects(docs[1]);
      if (errors.length > 0 && !rejected)
        fail(
          i,
          config,
          `validate found errors (${errors[0]}) but check ${docs[1]?.ok ? 'succeeded' : `failed with ${docs[1]?.error?.code}`}`,
        );
      if (errors.length === 0 && rejected)
        fail(i, config, `check refused the config (${docs[1]?.error?.message}) but validate found no error`);
      if (builtin && errors.length > 0 && docs[2]?.ok === true) fail(i, config, `validate found errors (${errors[0]}) but write succeeded`);
      if (i % CHILD_EVERY === 0) {
        childRuns++;
        const child = await runChildCli(['check', file, '--json', '--registry', registrySamplePath, '--docker-host', NO_DOCKER], dir);
        for (const p of runProblems(child, child.stdout).problems)
          fail(i, config, `check as a process: ${p}: ${child.stderr.split('\n')[0]}`);
      }
    }
    if (process.env.FUZZ_TIMES) console.log(JSON.stringify(times));
    recordFaultFigure({
      area: 'bad input',
      case: `fuzzed configs through validate, check --json, write --json (${runs + childRuns} runs, ${childRuns} as processes)`,
      trials: CONFIGS,
      failures: failedConfigs.size,
      worst: failures[0] ?? `no crash, every --json run printed one JSON document; slowest run ${slowest.ms} ms (${slowest.what})`,
    });
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, failures.join('\n'));
    assert.deepEqual(failures.slice(0, 40), [], `${failedConfigs.size} of ${CONFIGS} configs went wrong`);
  });
});
