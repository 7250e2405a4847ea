// Silent successes (issue 15, "bad input"): records of streams outside the catalog were dropped
// without a word, and a source that exited 0 having logged only ERROR lines "succeeded". Both are
// now counted and said: a warning per stream (records dropped) and one naming the error lines
// (masked), in the run result and in the CLI's output. The runs stay successful (see runWarnings.ts
// for why a source's error logs do not fail a run). The test source runs as a local program through
// the core, every mode; then through the CLI in Docker with its real image.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import type { JsonObject } from '../../../src/core/protocol/messages';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import type { RunWarning } from '../../../src/core/write/pipelineOptions';
import { TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestSource } from '../../harness/testConnectors';
import { captureIo } from '../../unit/cliTestSupport';

const SECRET = 'sk-live-warnings-7f3a9c2e';

let dir: string;
let n = 0;
before(async () => {
  dir = await makeTempDir('run-warnings-');
});
after(() => removeTempDir(dir));

type Mode = 'read' | 'cache' | 'stream';

/** One run of the test source (a local program) into builtin:jsonl; its warnings, or the error it failed with. */
async function runCore(
  mode: Mode,
  config: JsonObject,
  streams?: string[],
): Promise<{ warnings: RunWarning[]; notices: string[]; out: string }> {
  const out = path.join(dir, `out-${n++}`);
  const store = await WorkspaceStore.open({ path: path.join(out, 'state.sqlite') });
  try {
    const source = await getSource('source-test', { localExecutable: localTestSource, config: { api_key: SECRET, ...config } });
    if (mode === 'read') {
      const result = await source.read({ store, streams });
      return { warnings: result.warnings, notices: [], out };
    }
    const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'jsonl' }, baseDir: out });
    const result = await destination.write(source, { store, streams, cache: mode === 'cache' });
    return { warnings: result.warnings, notices: result.notices, out };
  } finally {
    await store.close();
  }
}

function lines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe('records of streams outside the catalog are counted and said', () => {
  it('each mode, a stream never discovered and a stream not selected: one warning per stream with its count', async () => {
    const failures: string[] = [];
    const failed = new Set<string>();
    let trials = 0;
    for (const mode of ['read', 'cache', 'stream'] as Mode[]) {
      for (const count of [1, 40]) {
        trials++;
        const before = failures.length;
        // "ghost" was never discovered; with ignore_catalog, orders and events are sent although only users was selected.
        const r = await runCore(mode, { record_count: count, unknown_stream_records: count, ignore_catalog: true }, ['users']);
        const byStream = Object.fromEntries(
          (r.warnings ?? []).filter((w) => w.kind === 'records-outside-catalog').map((w) => [w.stream, w.count]),
        );
        const expected = { ghost: count, orders: count, events: count };
        if (JSON.stringify(byStream) !== JSON.stringify(expected))
          failures.push(`${mode}, ${count} per stream: warnings ${JSON.stringify(byStream)}, expected ${JSON.stringify(expected)}`);
        if (mode !== 'read' && !r.notices.some((t) => t.includes("of stream “ghost”, which is not in this run's catalog")))
          failures.push(`${mode}, ${count} per stream: no notice names “ghost”: ${r.notices.join(' | ')}`);
        const written = (stream: string) => lines(path.join(r.out, 'jsonl', `${stream}.jsonl`));
        if (mode !== 'read' && (written('users') !== count || written('ghost') + written('orders') !== 0))
          failures.push(`${mode}: ${written('users')} users written (of ${count}), ${written('ghost')} ghost, ${written('orders')} orders`);
        if (failures.length > before) failed.add(`${mode} ${count}`);
      }
    }
    recordFaultFigure({
      area: 'bad input',
      case: 'records of streams outside the catalog dropped silently (read, through the cache, streamed)',
      trials,
      failures: failed.size,
      worst: failures[0] ?? 'every dropped record counted and said, per stream (3 streams a run)',
    });
    assert.deepEqual(failures, []);
  });
});

describe('a source that exits 0 having logged only ERROR lines', () => {
  it('succeeds, with a warning that counts and names the error lines, masked', async () => {
    const failures: string[] = [];
    let trials = 0;
    for (const mode of ['read', 'cache', 'stream'] as Mode[]) {
      for (const after of [0, 5]) {
        trials++;
        const r = await runCore(mode, { record_count: 20, fault: 'error_logs_exit_0', fault_after: after }).catch((e: Error) => e);
        if (r instanceof Error) {
          failures.push(`${mode}, after ${after}: the run failed: ${r.message}`);
          continue;
        }
        const w = (r.warnings ?? []).find((x) => x.kind === 'source-error-logs');
        const text = JSON.stringify(r);
        if (!w) failures.push(`${mode}, after ${after}: no warning (${JSON.stringify(r.warnings)})`);
        else if (w.count !== 3 || !/401 Unauthorized/.test(w.message) || !/Traceback/.test(w.message))
          failures.push(`${mode}, after ${after}: the warning does not count and name the 3 lines: ${w.message}`);
        if (text.includes(SECRET)) failures.push(`${mode}, after ${after}: the secret is shown`);
      }
    }
    recordFaultFigure({
      area: 'bad input',
      case: 'source exits 0 with only ERROR lines on stderr: a warning names them (read, cache, streamed)',
      trials,
      failures: failures.length,
      worst: failures[0] ?? 'run succeeds (as Airbyte counts it), 3 of 3 error lines counted and named, secret masked',
    });
    assert.deepEqual(failures, []);
  });
});

describe('the CLI says both (the test source image, in Docker)', () => {
  before(async () => {
    await testDocker();
  });

  async function cliWrite(config: JsonObject, extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const source = path.join(dir, `source-${n++}.airbyte.jsonc`);
    writeFileSync(
      source,
      JSON.stringify({ connector: 'source-test', image: TEST_SOURCE_IMAGE, config: { api_key: SECRET, ...config } }, null, 2),
    );
    const destination = path.join(dir, `sqlite-${n++}.airbyte.jsonc`);
    writeFileSync(destination, JSON.stringify({ connector: 'builtin:sqlite', config: { destination_path: `out-${n}.sqlite` } }));
    const io = captureIo();
    const code = await main(
      ['write', '--source', source, '--destination', destination, '--state-file', path.join(dir, `s${n}.sqlite`), ...extra],
      io,
    );
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  }

  it('in the summary and in the --json result, secrets masked', async () => {
    const dropped = await cliWrite({ record_count: 10, unknown_stream_records: 7 }, ['--no-cache']);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(
      dropped.stdout,
      /warning: source-test sent 7 records of stream “ghost”, which is not in this run's catalog; they were dropped/,
    );
    assert.match(dropped.stdout, /succeeded, with 1 warning \(above\),/);

    const logged = await cliWrite({ record_count: 10, fault: 'error_logs_exit_0', fault_after: 0 }, ['--json']);
    assert.equal(logged.code, 0, logged.stderr);
    const result = JSON.parse(logged.stdout) as { ok: boolean; warnings: RunWarning[]; notices: string[] };
    assert.equal(result.ok, true);
    const warning = (result.warnings ?? []).find((w) => w.kind === 'source-error-logs');
    assert.ok(warning, logged.stdout);
    assert.equal(warning.count, 3);
    assert.match(warning.message, /exited successfully \(code 0, no TRACE ERROR\) but logged 3 error lines/);
    assert.ok(!logged.stdout.includes(SECRET) && !logged.stderr.includes(SECRET), 'the secret is masked');
  });
});
