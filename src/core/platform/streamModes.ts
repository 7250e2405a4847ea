/**
 * The local write strategies (auto, append, replace, merge) as the platform's per-stream `syncMode`,
 * from what the platform says each stream of the source can do (`GET /streams`).
 */
import { AirbyteError } from '../errors';
import type { WriteStrategy } from '../write/writeStrategy';
import type { components } from './airbyteApi.gen';

export type StreamProperties = components['schemas']['StreamProperties'];
export type ConnectionSyncMode = components['schemas']['ConnectionSyncModeEnum'];
export type StreamConfiguration = components['schemas']['StreamConfiguration'];

/** The sync modes that carry out a strategy, best first, for a stream with or without a primary key / cursor. */
function candidates(strategy: WriteStrategy, hasKey: boolean, hasCursor: boolean): ConnectionSyncMode[] {
  switch (strategy) {
    case 'merge':
      return ['incremental_deduped_history', 'full_refresh_overwrite_deduped'];
    case 'append':
      return hasCursor ? ['incremental_append', 'full_refresh_append'] : ['full_refresh_append'];
    case 'replace':
      return ['full_refresh_overwrite'];
    default:
      // As a local write: merge with a primary key, append with a cursor, else replace.
      if (hasKey) return ['incremental_deduped_history', 'full_refresh_overwrite_deduped', 'incremental_append', 'full_refresh_overwrite'];
      if (hasCursor) return ['incremental_append', 'full_refresh_append', 'full_refresh_overwrite'];
      return ['full_refresh_overwrite', 'full_refresh_append'];
  }
}

/**
 * One stream configuration per stream asked for (all the platform offers when `streams` is
 * undefined). A stream the source does not have, `merge` without a primary key, or a strategy none
 * of whose modes the platform offers for a stream is a STRATEGY_INVALID error naming what it can do.
 */
export function streamConfigurations(offered: StreamProperties[], strategy: WriteStrategy, streams?: string[]): StreamConfiguration[] {
  const byName = new Map(offered.filter((s) => s.streamName).map((s) => [s.streamName!, s]));
  if (streams) {
    const missing = streams.filter((s) => !byName.has(s));
    if (missing.length > 0) {
      throw new AirbyteError('STRATEGY_INVALID', {
        message: `The platform's catalog of the source has no stream ${missing.map((s) => `"${s}"`).join(', ')}.`,
        guidance: `Its streams: ${[...byName.keys()].join(', ') || '(none)'}. Fix --streams.`,
      });
    }
  }
  const chosen = streams ?? [...byName.keys()];
  return chosen.map((name) => {
    const s = byName.get(name)!;
    const hasKey = (s.sourceDefinedPrimaryKey?.length ?? 0) > 0;
    const hasCursor = Boolean(s.sourceDefinedCursorField) || (s.defaultCursorField?.length ?? 0) > 0;
    if (strategy === 'merge' && !hasKey) {
      throw new AirbyteError('STRATEGY_INVALID', {
        message: `Stream "${name}" has no primary key, so it cannot be merged (deduplicated) on the platform.`,
        guidance: 'Use --strategy append or replace for it, or leave it out with --streams.',
      });
    }
    const modes = s.syncModes ?? [];
    const syncMode = candidates(strategy, hasKey, hasCursor).find((m) => modes.includes(m));
    if (!syncMode) {
      throw new AirbyteError('STRATEGY_INVALID', {
        message: `The platform cannot ${strategy === 'auto' ? 'sync' : strategy} stream "${name}" with this source and destination: it offers ${modes.join(', ') || 'no sync mode'}.`,
        guidance: 'Choose another --strategy (auto, append, replace, merge) or leave the stream out with --streams.',
      });
    }
    const config: StreamConfiguration = { name, syncMode };
    if (s.streamnamespace) config.namespace = s.streamnamespace;
    return config;
  });
}
