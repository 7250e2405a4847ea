// Fault: a destination that writes everything and exits 0 without echoing a single STATE. Only an
// echoed STATE proves records durable, so nothing may count as confirmed and the next run must send
// every record again (before the fix: 300 of 300 marked confirmed, 0 sent again).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import {
  configFile,
  ensureCli,
  jsonOf,
  runCli,
  streamsOf,
  sum,
  testDestinationConfig,
  testSourceConfig,
  withStoreReadOnly,
} from './lossSupport';

const PER_STREAM = 100;
let tmp: string;

before(async () => {
  ensureCli();
  await testDocker();
  tmp = await makeTempDir('fault-noecho-');
});
after(async () => removeTempDir(tmp));

type SourceKind = 'builtin:sample' | 'docker source-test';
type Mode = 'cache' | 'stream';

interface Trial {
  label: string;
  confirmedFirst: number;
  sentFirst: number;
  sentAgain: number;
  committedRows: number;
  /** The run told the user that what was not echoed stays unconfirmed. */
  told: boolean;
}

async function trial(sourceKind: SourceKind, mode: Mode): Promise<Trial> {
  const dir = await mkdtemp(path.join(tmp, 'ws-'));
  const source = await configFile(
    dir,
    'source',
    sourceKind === 'builtin:sample'
      ? { connector: 'builtin:sample', config: { count: PER_STREAM, state_every: 25 } }
      : testSourceConfig({ record_count: PER_STREAM, state_every: 25 }),
  );
  const destination = await configFile(dir, 'destination', testDestinationConfig('./out', { echo_state: false }));
  const args = ['write', '--source', source, '--destination', destination, '--strategy', 'append', '--json'];
  if (mode === 'stream') args.push('--no-cache');
  const firstRun = await runCli(args, { cwd: dir });
  const first = streamsOf(firstRun);
  const notices = (jsonOf(firstRun).notices ?? []) as string[];
  const committedRows = await withStoreReadOnly(path.join(dir, '.airbyte', 'state.sqlite'), (store) => {
    const destinationIds = store.runs
      .list()
      .map((r) => r.destinationId)
      .filter((id): id is string => !!id);
    const sourceIds = store.runs.list().map((r) => r.sourceId);
    let n = 0;
    for (const s of new Set(sourceIds)) for (const d of new Set(destinationIds)) n += store.states.get(s, d).length;
    return n;
  });
  const again = streamsOf(await runCli(args, { cwd: dir }));
  return {
    label: `${sourceKind}, ${mode === 'cache' ? 'through the cache' : 'streamed'}`,
    confirmedFirst: sum(first, 'recordsConfirmed'),
    sentFirst: sum(first, 'recordsSent'),
    sentAgain: sum(again, 'recordsSent'),
    committedRows,
    told: notices.some((n) => /without echoing/.test(n) && n.includes('300 record(s)')),
  };
}

describe('fault: a destination exits 0 without echoing a STATE', () => {
  it('confirms nothing and sends every record again (built-in and Docker sources, cache and streamed)', async () => {
    const trials: Trial[] = [];
    for (const kind of ['builtin:sample', 'docker source-test'] as const) {
      for (const mode of ['cache', 'stream'] as const) trials.push(await trial(kind, mode));
    }
    const failed = trials.filter((t) => t.confirmedFirst > 0 || t.committedRows > 0 || t.sentAgain < t.sentFirst);
    const worst = trials.reduce((w, t) => (t.confirmedFirst > w.confirmedFirst ? t : w), trials[0]);
    recordFaultFigure({
      area: 'data loss and duplicates',
      case: 'destination exits 0 without echoing a STATE',
      trials: trials.length,
      failures: failed.length,
      worst: `${worst.confirmedFirst} of ${worst.sentFirst} marked confirmed, ${worst.sentAgain} sent again (${worst.label})`,
    });
    for (const t of trials) {
      assert.equal(t.sentFirst, 300, `${t.label}: all records are sent`);
      assert.equal(t.confirmedFirst, 0, `${t.label}: nothing echoed, nothing confirmed`);
      assert.equal(t.committedRows, 0, `${t.label}: no state committed for the destination`);
      assert.equal(t.sentAgain, t.sentFirst, `${t.label}: the next run sends every record again`);
      assert.ok(t.told, `${t.label}: the run says the records stay unconfirmed`);
    }
  });
});
