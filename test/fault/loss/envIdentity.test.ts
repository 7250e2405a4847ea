// Fault: `${env:…}` values were left out of a config's identity, so `OUT=a.db` then `OUT=b.db` sent
// 0 records to b.db (b.db "had" a.db's state). Two configs never share state: a value in a plain
// field shapes the identity, while a rotated secret keeps its state.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { configFile, ensureCli, jsonlRows, runCli, sqliteColumn, streamsOf, sum, testDestinationConfig } from './lossSupport';

const PER_STREAM = 200;
const STREAMS = ['users', 'products', 'purchases'];
let tmp: string;

before(async () => {
  ensureCli();
  await testDocker();
  tmp = await makeTempDir('fault-envidentity-');
});
after(async () => removeTempDir(tmp));

type Mode = 'cache' | 'stream';

interface Trial {
  label: string;
  /** What went wrong, if anything. */
  wrong?: string;
}

async function workspace(destination: object): Promise<{ dir: string; source: string; destination: string }> {
  const dir = await mkdtemp(path.join(tmp, 'ws-'));
  return {
    dir,
    source: await configFile(dir, 'source', { connector: 'builtin:sample', config: { count: PER_STREAM, state_every: 50 } }),
    destination: await configFile(dir, 'destination', destination as never),
  };
}

function write(ws: { dir: string; source: string; destination: string }, mode: Mode, env: NodeJS.ProcessEnv) {
  const args = ['write', '--source', ws.source, '--destination', ws.destination, '--strategy', 'append', '--json'];
  return runCli(mode === 'stream' ? [...args, '--no-cache'] : args, { cwd: ws.dir, env });
}

/** OUT=a.db, then OUT=b.db: b.db is another destination and gets every record. */
async function twoOutputs(mode: Mode): Promise<Trial> {
  const label = `OUT=a.db then OUT=b.db (${mode === 'stream' ? 'streamed' : 'through the cache'})`;
  const ws = await workspace({ connector: 'builtin:sqlite', config: { destination_path: '${env:OUT}' } });
  streamsOf(await write(ws, mode, { OUT: 'a.db' }));
  const second = streamsOf(await write(ws, mode, { OUT: 'b.db' }));
  let inB = 0;
  for (const s of STREAMS) inB += (await sqliteColumn(path.join(ws.dir, 'b.db'), s, 'id')).length;
  const want = PER_STREAM * STREAMS.length;
  const sent = sum(second, 'recordsSent');
  return { label, wrong: inB === want && sent === want ? undefined : `b.db got ${inB} of ${want} records (${sent} sent)` };
}

/** KEY=k1, then KEY=k2 for the destination's secret api_key: the same destination, nothing re-sent. */
async function rotatedSecret(mode: Mode): Promise<Trial> {
  const label = `a rotated secret (${mode === 'stream' ? 'streamed' : 'through the cache'})`;
  const ws = await workspace(testDestinationConfig('./out', { api_key: '${env:KEY}' }));
  streamsOf(await write(ws, mode, { KEY: 'sk-first-1111' }));
  const second = streamsOf(await write(ws, mode, { KEY: 'sk-rotated-2222' }));
  let rows = 0;
  for (const s of STREAMS) rows += (await jsonlRows(path.join(ws.dir, 'out'), s)).length;
  const want = PER_STREAM * STREAMS.length;
  const sent = sum(second, 'recordsSent');
  return { label, wrong: sent === 0 && rows === want ? undefined : `${sent} re-sent after the rotation, ${rows} rows for ${want} records` };
}

describe('fault: ${env:…} values and the identity of a config', () => {
  it('OUT=a.db and OUT=b.db are two destinations; a rotated secret keeps its state (CLI, both modes)', async () => {
    const trials: Trial[] = [];
    for (const mode of ['cache', 'stream'] as const) trials.push(await twoOutputs(mode), await rotatedSecret(mode));
    const failed = trials.filter((t) => t.wrong);
    recordFaultFigure({
      area: 'data loss and duplicates',
      case: '${env:…} value changes the destination (OUT=a.db, then b.db); a rotated secret',
      trials: trials.length,
      failures: failed.length,
      worst: failed.length ? `${failed[0].wrong} (${failed[0].label})` : 'b.db got every record; the rotated secret re-sent 0',
    });
    assert.deepEqual(
      failed.map((t) => `${t.label}: ${t.wrong}`),
      [],
    );
  });
});
