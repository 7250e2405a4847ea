import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAirbyteError } from '../../../src/core/errors';
import type { DestinationSyncMode } from '../../../src/core/protocol/messages';
import { resolveDestinationSyncMode } from '../../../src/core/write/writeStrategy';

const withPk = { name: 'users', primaryKey: [['id']], cursorField: ['updated_at'] };
const cursorOnly = { name: 'events', cursorField: ['ts'] };
const neither = { name: 'snapshot' };
const all: DestinationSyncMode[] = ['overwrite', 'append', 'append_dedup'];

describe('write strategies', () => {
  it('AUTO picks append_dedup with a primary key, append with a cursor, else overwrite (as PyAirbyte)', () => {
    assert.equal(resolveDestinationSyncMode('auto', withPk, all, 'd'), 'append_dedup');
    assert.equal(resolveDestinationSyncMode('auto', cursorOnly, all, 'd'), 'append');
    assert.equal(resolveDestinationSyncMode('auto', neither, all, 'd'), 'overwrite');
  });

  it('AUTO falls back to what the destination can do', () => {
    // destination-sqlite's real spec: overwrite and append only.
    assert.equal(resolveDestinationSyncMode('auto', withPk, ['overwrite', 'append'], 'destination-sqlite'), 'append');
    assert.equal(resolveDestinationSyncMode('auto', neither, ['append'], 'd'), 'append');
  });

  it('append, replace and merge map to append, overwrite and append_dedup', () => {
    assert.equal(resolveDestinationSyncMode('append', withPk, all, 'd'), 'append');
    assert.equal(resolveDestinationSyncMode('replace', withPk, all, 'd'), 'overwrite');
    assert.equal(resolveDestinationSyncMode('merge', withPk, all, 'd'), 'append_dedup');
  });

  it('MERGE without a primary key is STRATEGY_INVALID', () => {
    assert.throws(
      () => resolveDestinationSyncMode('merge', cursorOnly, all, 'd'),
      (e: unknown) => isAirbyteError(e, 'STRATEGY_INVALID') && /no primary key/.test(e.message),
    );
  });

  it('a mode the destination cannot do names the modes it can', () => {
    assert.throws(
      () => resolveDestinationSyncMode('merge', withPk, ['overwrite', 'append'], 'destination-sqlite'),
      (e: unknown) =>
        isAirbyteError(e, 'STRATEGY_INVALID') &&
        e.message.includes('destination-sqlite') &&
        e.message.includes('overwrite, append') &&
        /auto, append, replace/.test(e.guidance ?? ''),
    );
    assert.throws(
      () => resolveDestinationSyncMode('replace', neither, ['append'], 'd'),
      (e: unknown) => isAirbyteError(e, 'STRATEGY_INVALID'),
    );
  });
});
