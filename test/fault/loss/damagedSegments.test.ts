// Fault: the record cache's segment files are damaged on disk (a flipped byte, a zeroed range, a cut
// file, a line of garbage) between the read into the cache and a replay. Before the fix the replay
// sent the damaged lines unchecked: the destination skipped what it could not parse and every record
// was still counted confirmed (3,000 confirmed, 0 written), so the next run sent nothing again.
// Now each block of a segment is checked (size, line count, CRC-32 recorded at ingest) before any
// of it is sent: the write fails loudly naming the file, nothing unwritten counts as confirmed,
// and the way out it names (write the source itself again) ends with every record at the
// destination, none twice (append_dedup).
//
// Real parts: the CLI bundle (dist/cli.js) as a child process, the built-in sample source, the
// Docker test destination (which, like many destinations, skips lines it cannot parse).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_DESTINATION_IMAGE } from '../../../scripts/buildTestImages';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { repoRoot } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { prng } from '../../unit/prng';

const PER_STREAM = 1000;
const STREAMS = ['users', 'products', 'purchases'];
const cli = path.join(repoRoot, 'dist', 'cli.js');
let tmp: string;

before(async () => {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  assert.ok(existsSync(cli) && statSync(cli).size > 0);
  await testDocker();
  tmp = await makeTempDir('fault-damaged-');
});
after(async () => removeTempDir(tmp));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON a `--json` run printed; undefined when it printed none (a crash with a raw stack trace). */
const json = (o: Outcome): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(o.stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

type Damage = 'flipped byte' | 'zeroed 4 KB' | 'cut short' | 'garbage line';
const DAMAGES: Damage[] = ['flipped byte', 'zeroed 4 KB', 'cut short', 'garbage line'];
type Mode = 'cache:N' | 'through the cache';

/** Damages one segment file at a random place, as a bad disk or a stray tool would. */
async function damage(file: string, kind: Damage, random: () => number): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length * (0.2 + 0.6 * random()));
  if (kind === 'flipped byte') bytes[at] ^= 0x5a;
  if (kind === 'zeroed 4 KB') bytes.fill(0, at, Math.min(bytes.length, at + 4096));
  const line = bytes.indexOf(0x0a, at) + 1;
  if (kind === 'cut short') return writeFile(file, bytes.subarray(0, at));
  if (kind === 'garbage line')
    return writeFile(file, Buffer.concat([bytes.subarray(0, line), Buffer.from('not a record\n'), bytes.subarray(line)]));
  await writeFile(file, bytes);
}

async function segmentFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, '.airbyte', 'cache'), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.jsonl')).map((e) => path.join(e.parentPath, e.name));
}

type Records = Map<string, string>;
const keyOf = (stream: string, id: unknown) => `${stream}#${String(id)}`;

/** What the source sent, from the cache before it is damaged: `stream#id` → the record's data as JSON. */
async function sourceRecords(files: string[]): Promise<Records> {
  const out: Records = new Map();
  for (const f of files) {
    for (const line of (await readFile(f, 'utf8')).split('\n').filter(Boolean)) {
      const { record } = JSON.parse(line) as { record: { stream: string; data: { id: unknown } } };
      out.set(keyOf(record.stream, record.data.id), JSON.stringify(record.data));
    }
  }
  return out;
}

/**
 * What the destination holds: rows, and how many of the source's records it holds exactly as sent
 * (a damaged byte inside a string is still valid JSON: a wrong row is no better than a missing one).
 */
async function held(outDir: string, expected: Records): Promise<{ rows: number; exact: number }> {
  let rows = 0;
  const exact = new Set<string>();
  for (const s of STREAMS) {
    const file = path.join(outDir, `${s}.jsonl`);
    if (!existsSync(file)) continue;
    for (const line of (await readFile(file, 'utf8')).split('\n').filter(Boolean)) {
      rows++;
      const row = JSON.parse(line) as Record<string, unknown>;
      const data = Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('_airbyte_')));
      const key = keyOf(s, data.id);
      if (expected.get(key) === JSON.stringify(data)) exact.add(key);
    }
  }
  return { rows, exact: exact.size };
}

/** Confirmed records of the newest write run, from run history. */
async function confirmedByLastWrite(dir: string): Promise<number> {
  const store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite'), lock: false });
  try {
    const write = store.runs.list(50).find((r) => r.kind === 'write');
    return write ? write.streamStats.reduce((n, s) => n + s.recordsConfirmed, 0) : 0;
  } finally {
    await store.close();
  }
}

interface Trial {
  label: string;
  failedLoudly: boolean;
  /** Writing the source again (the way out) succeeded. */
  recovered: boolean;
  confirmedNotWritten: number;
  /** Records of the source missing at the destination, or held with other data, after the way out. */
  lost: number;
  /** Rows beyond the source's records held exactly once (duplicates, wrong rows). */
  duplicated: number;
  message: string;
}

async function trial(kind: Damage, mode: Mode, random: () => number): Promise<Trial> {
  const dir = await mkdtemp(path.join(tmp, 'ws-'));
  const source = path.join(dir, 'source.airbyte.jsonc');
  const destination = path.join(dir, 'destination.airbyte.jsonc');
  await writeFile(source, JSON.stringify({ connector: 'builtin:sample', config: { count: PER_STREAM, seed: 3, state_every: 100 } }));
  const out = path.join(dir, 'out');
  await writeFile(
    destination,
    JSON.stringify({ connector: 'destination-test', image: TEST_DESTINATION_IMAGE, localDir: './out', config: {} }),
  );
  const read = json(await run(['read', '--source', source, '--json'], dir));
  assert.ok(read?.runId, 'the read into the cache succeeds');
  const files = await segmentFiles(dir);
  const expected = await sourceRecords(files);
  await damage(files[Math.floor(random() * files.length)], kind, random);

  const from = mode === 'cache:N' ? `cache:${String(read.runId)}` : source;
  const write = await run(['write', '--source', from, '--destination', destination, '--strategy', 'merge', '--json'], dir);
  const result = json(write);
  const error = (result?.error ?? {}) as { message?: string; guidance?: string };
  const message = result ? `${error.message ?? ''} ${error.guidance ?? ''}` : `no JSON, exit ${write.code}: ${write.stderr.slice(0, 300)}`;
  // A file cut short is also caught before the write starts, as missing files are ("gone").
  const failedLoudly = result !== undefined && write.code === 1 && /damaged|gone/.test(message) && /write the source itself/i.test(message);
  const confirmed = await confirmedByLastWrite(dir);
  const written = await held(out, expected);
  // The way out the error names: write the source itself again.
  const again = await run(['write', '--source', source, '--destination', destination, '--strategy', 'merge', '--json'], dir);
  const final = await held(out, expected);
  return {
    label: `${kind}, ${mode}`,
    failedLoudly,
    recovered: again.code === 0,
    confirmedNotWritten: Math.max(0, confirmed - written.exact),
    lost: expected.size - final.exact,
    duplicated: final.rows - final.exact,
    message: message.trim() || `exit ${write.code}`,
  };
}

describe('fault: damaged cache segments are replayed', () => {
  it('fail loudly before sending the damage; nothing unwritten is confirmed; writing the source again loses nothing', async () => {
    const random = prng(20251129);
    const trials: Trial[] = [];
    // Each damage once, the modes taking turns (the tier's time is shared by every case).
    for (const [i, kind] of DAMAGES.entries()) {
      const t = await trial(kind, i % 2 === 0 ? 'cache:N' : 'through the cache', random);
      console.log(`  ${t.label}: ${JSON.stringify({ ...t, label: undefined })}`);
      trials.push(t);
    }
    const bad = trials.filter((t) => !t.failedLoudly || !t.recovered || t.confirmedNotWritten > 0 || t.lost > 0 || t.duplicated > 0);
    const worst = trials.reduce((w, t) => (t.confirmedNotWritten + t.lost > w.confirmedNotWritten + w.lost ? t : w), trials[0]);
    recordFaultFigure({
      area: 'data loss and duplicates',
      case: 'damaged cache segments are replayed',
      trials: trials.length,
      failures: bad.length,
      worst: `${worst.confirmedNotWritten} confirmed but not written, ${worst.lost} lost, ${worst.duplicated} duplicated (${worst.label})`,
    });
    for (const t of trials) {
      assert.ok(t.failedLoudly, `${t.label}: the write fails naming the damage and the way out (exit 1): ${t.message}`);
      assert.ok(t.recovered, `${t.label}: writing the source again succeeds`);
      assert.equal(t.confirmedNotWritten, 0, `${t.label}: records confirmed that the destination never wrote`);
      assert.equal(t.lost, 0, `${t.label}: records missing or wrong after writing the source again`);
      assert.equal(t.duplicated, 0, `${t.label}: duplicates (or wrong rows) with append_dedup`);
    }
  });
});
