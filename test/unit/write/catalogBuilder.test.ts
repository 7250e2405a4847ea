import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { protocolSchemaPath } from '../../harness/paths';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { isAirbyteError } from '../../../src/core/errors';
import type { AirbyteCatalog } from '../../../src/core/protocol/messages';
import { buildConfiguredCatalog } from '../../../src/core/write/catalogBuilder';

const discovered: AirbyteCatalog = {
  streams: [
    {
      name: 'users',
      json_schema: {},
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated_at'],
      source_defined_primary_key: [['id']],
    },
    { name: 'events', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'], default_cursor_field: ['ts'] },
    { name: 'snapshot', json_schema: {}, supported_sync_modes: ['full_refresh'] },
  ],
};

const base = { discovered, strategy: 'auto' as const, destination: { name: 'd' }, syncId: 7, currentGeneration: () => 3 };

describe('configured catalog', () => {
  it('sets sync modes, keys and the generation integers on every stream', () => {
    const { catalog, plans } = buildConfiguredCatalog(base);
    const [users, events, snapshot] = catalog.streams;
    assert.deepEqual(
      [users.sync_mode, users.destination_sync_mode, users.cursor_field, users.primary_key],
      ['incremental', 'append_dedup', ['updated_at'], [['id']]],
    );
    assert.deepEqual([events.sync_mode, events.destination_sync_mode, events.cursor_field], ['incremental', 'append', ['ts']]);
    assert.deepEqual([snapshot.sync_mode, snapshot.destination_sync_mode], ['full_refresh', 'overwrite']);
    for (const s of catalog.streams) {
      assert.ok(Number.isInteger(s.generation_id) && Number.isInteger(s.minimum_generation_id) && s.sync_id === 7);
    }
    // Appends keep old rows (minimum 0) in the current generation; an overwrite starts a new one.
    assert.deepEqual([users.generation_id, users.minimum_generation_id], [3, 0]);
    assert.deepEqual([snapshot.generation_id, snapshot.minimum_generation_id], [4, 4]);
    assert.deepEqual(
      plans.map((p) => p.truncate),
      [false, false, true],
    );
  });

  it('replace reads everything (full_refresh) and overwrites', () => {
    const { catalog } = buildConfiguredCatalog({ ...base, strategy: 'replace' });
    assert.ok(catalog.streams.every((s) => s.sync_mode === 'full_refresh' && s.destination_sync_mode === 'overwrite'));
  });

  it('a refresh-capable destination gets an overwrite as append with minimum_generation_id == generation_id', () => {
    const { catalog, plans } = buildConfiguredCatalog({
      ...base,
      strategy: 'replace',
      destination: { name: 'd', supportsRefreshes: true },
    });
    for (const s of catalog.streams) {
      assert.equal(s.destination_sync_mode, 'append');
      assert.equal(s.minimum_generation_id, s.generation_id);
      assert.equal(s.generation_id, 4);
    }
    assert.ok(plans.every((p) => p.destinationSyncMode === 'overwrite' && p.truncate));
  });

  it('selects streams by name and names the real ones for an unknown one', () => {
    assert.deepEqual(
      buildConfiguredCatalog({ ...base, streams: ['events'] }).catalog.streams.map((s) => s.stream.name),
      ['events'],
    );
    assert.throws(
      () => buildConfiguredCatalog({ ...base, streams: ['userz'] }),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /userz/.test(e.message) && /users, events, snapshot/.test(e.guidance ?? ''),
    );
  });

  it('produces a catalog valid against the Airbyte protocol schema', () => {
    const schemaFile = protocolSchemaPath;
    const protocol = JSON.parse(readFileSync(schemaFile, 'utf8')) as { definitions: Record<string, unknown> };
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    const validate = ajv.compile({ ...protocol, $ref: '#/definitions/ConfiguredAirbyteCatalog' });
    const { catalog } = buildConfiguredCatalog(base);
    assert.ok(validate(catalog), JSON.stringify(validate.errors));
  });
});
