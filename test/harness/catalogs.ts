// Configured catalogs for the test connectors (test/connectors), which read them as a real source does.
import type { ConfiguredAirbyteCatalog, JsonObject } from '../../src/core/protocol/messages';

/**
 * `streams` read incrementally and written with `mode`, keyed by `id` except `events` (which has
 * no primary key), generation 0 of sync 1; `extra` is merged into every stream.
 */
export function testCatalog(
  streams: string[],
  mode: 'append' | 'overwrite' | 'append_dedup' = 'append',
  extra: JsonObject = {},
): ConfiguredAirbyteCatalog {
  return {
    streams: streams.map((name) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: 'incremental',
      destination_sync_mode: mode,
      primary_key: name === 'events' ? undefined : [['id']],
      generation_id: 0,
      minimum_generation_id: 0,
      sync_id: 1,
      ...extra,
    })),
  };
}
