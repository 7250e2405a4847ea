/**
 * The configured catalog of a run: which streams, read how (`sync_mode`), written how
 * (`destination_sync_mode`), with the generation bookkeeping every modern destination expects.
 */
import { AirbyteError } from '../errors';
import type {
  AirbyteCatalog,
  AirbyteStream,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
  DestinationSyncMode,
  SyncMode,
} from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import type { WriteStrategy } from './writeStrategy';
import { resolveDestinationSyncMode } from './writeStrategy';

export interface CatalogDestinationFacts {
  name: string;
  supportedModes?: readonly DestinationSyncMode[];
  /** Refresh-capable: an overwrite is sent as `append` with `minimum_generation_id == generation_id`. */
  supportsRefreshes?: boolean;
}

export interface StreamPlan {
  key: string;
  name: string;
  namespace?: string;
  syncMode: SyncMode;
  /** What the strategy resolved to (overwrite stays overwrite here even when sent as a refresh). */
  destinationSyncMode: DestinationSyncMode;
  /** The destination's existing rows of this stream go (overwrite). */
  truncate: boolean;
  primaryKey: string[][];
  cursorField: string[];
  generationId: number;
  minimumGenerationId: number;
}

export interface BuildCatalogOptions {
  discovered: AirbyteCatalog;
  /** Stream names (or `namespace.name`); all streams when empty or omitted. */
  streams?: readonly string[];
  strategy: WriteStrategy;
  destination: CatalogDestinationFacts;
  forceFullRefresh?: boolean;
  /** Grows per run. */
  syncId: number;
  /** The stream's current generation at this destination (0 before its first truncation). */
  currentGeneration(key: string): number;
}

export interface BuiltCatalog {
  catalog: ConfiguredAirbyteCatalog;
  plans: StreamPlan[];
}

/** The same catalog for another run: each stream's `sync_id` set to `syncId`. */
export function withSyncId(catalog: ConfiguredAirbyteCatalog, syncId: number): ConfiguredAirbyteCatalog {
  return { ...catalog, streams: catalog.streams.map((s) => ({ ...s, sync_id: syncId })) };
}

/** Picks the discovered streams named in `names`, failing with the list of real ones when one is unknown. */
export function selectStreams(discovered: AirbyteCatalog, names: readonly string[] | undefined): AirbyteStream[] {
  const all = discovered.streams ?? [];
  if (!names || names.length === 0 || (names.length === 1 && names[0] === '*')) return all;
  const out: AirbyteStream[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const found = all.find((s) => s.name === name || streamKey(s) === name);
    if (found) {
      if (!out.includes(found)) out.push(found);
    } else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new AirbyteError('CONFIG_INVALID', {
      message: `The source has no stream${unknown.length > 1 ? 's' : ''} named ${unknown.map((u) => `"${u}"`).join(', ')}.`,
      guidance: `Available streams: ${all.map((s) => streamKey(s)).join(', ') || '(none)'}.`,
      context: { streams: unknown.join(',') },
    });
  }
  return out;
}

export function buildConfiguredCatalog(options: BuildCatalogOptions): BuiltCatalog {
  const plans: StreamPlan[] = [];
  const streams: ConfiguredAirbyteStream[] = [];
  for (const stream of selectStreams(options.discovered, options.streams)) {
    const key = streamKey(stream);
    const primaryKey = (stream.source_defined_primary_key ?? []).filter((p) => Array.isArray(p) && p.length > 0);
    const cursorField = stream.default_cursor_field ?? [];
    const mode = resolveDestinationSyncMode(
      options.strategy,
      { name: key, primaryKey, cursorField },
      options.destination.supportedModes,
      options.destination.name,
    );
    const truncate = mode === 'overwrite';
    const canIncrement =
      (stream.supported_sync_modes ?? []).includes('incremental') && (cursorField.length > 0 || stream.source_defined_cursor === true);
    // A forced full refresh asks the source for full_refresh, as the platform does, where the stream
    // supports it; an incremental-only stream is read incrementally without a state.
    const fullRefresh = truncate || (options.forceFullRefresh === true && (stream.supported_sync_modes ?? []).includes('full_refresh'));
    const syncMode: SyncMode = canIncrement && !fullRefresh ? 'incremental' : 'full_refresh';
    const current = options.currentGeneration(key);
    const generationId = truncate ? current + 1 : current;
    const minimumGenerationId = truncate ? generationId : 0;
    const sentMode: DestinationSyncMode = truncate && options.destination.supportsRefreshes ? 'append' : mode;
    const configured: ConfiguredAirbyteStream = {
      stream,
      sync_mode: syncMode,
      destination_sync_mode: sentMode,
      generation_id: generationId,
      minimum_generation_id: minimumGenerationId,
      sync_id: options.syncId,
    };
    if (syncMode === 'incremental' && cursorField.length > 0) configured.cursor_field = cursorField;
    if (primaryKey.length > 0) configured.primary_key = primaryKey;
    streams.push(configured);
    plans.push({
      key,
      name: stream.name,
      namespace: stream.namespace,
      syncMode,
      destinationSyncMode: mode,
      truncate,
      primaryKey,
      cursorField,
      generationId,
      minimumGenerationId,
    });
  }
  if (streams.length === 0) {
    throw new AirbyteError('CONFIG_INVALID', {
      message: 'The source offers no streams to read.',
      guidance: 'Check the source config (discover lists its streams).',
    });
  }
  return { catalog: { streams }, plans };
}
