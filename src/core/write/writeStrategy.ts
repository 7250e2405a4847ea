/**
 * Write strategies (PyAirbyte's `write_strategy`) mapped onto what the destination can do.
 * AUTO: append_dedup with a primary key, append with a cursor, else overwrite.
 */
import { AirbyteError } from '../errors';
import type { DestinationSyncMode } from '../protocol/messages';

export type WriteStrategy = 'auto' | 'append' | 'replace' | 'merge';

export const WRITE_STRATEGIES: readonly WriteStrategy[] = ['auto', 'append', 'replace', 'merge'];

export function isWriteStrategy(value: string): value is WriteStrategy {
  return (WRITE_STRATEGIES as readonly string[]).includes(value);
}

export interface StrategyStreamFacts {
  name: string;
  primaryKey?: string[][];
  cursorField?: string[];
}

/** When the spec does not say, a destination is assumed to do the three classic modes. */
const DEFAULT_MODES: DestinationSyncMode[] = ['overwrite', 'append', 'append_dedup'];

/**
 * The `destination_sync_mode` for one stream. Throws STRATEGY_INVALID for MERGE without a primary
 * key, and for a mode the destination cannot do (naming the modes it can).
 */
export function resolveDestinationSyncMode(
  strategy: WriteStrategy,
  stream: StrategyStreamFacts,
  supported: readonly DestinationSyncMode[] | undefined,
  destinationName: string,
): DestinationSyncMode {
  const modes = supported && supported.length > 0 ? supported : DEFAULT_MODES;
  const { hasPk } = keysOf(stream);
  const can = (m: DestinationSyncMode) => modes.includes(m);
  const refuse = (mode: DestinationSyncMode, why: string): never => {
    throw new AirbyteError('STRATEGY_INVALID', {
      message: `${destinationName} cannot ${why} stream "${stream.name}" (${mode}); it supports ${modes.join(', ')}.`,
      guidance: `Pick a strategy it supports: ${strategiesFor(modes, hasPk).join(', ')}.`,
      context: { destination: destinationName, stream: stream.name, strategy },
    });
  };
  switch (strategy) {
    case 'append':
      return can('append') ? 'append' : refuse('append', 'append to');
    case 'replace':
      return can('overwrite') ? 'overwrite' : refuse('overwrite', 'replace');
    case 'merge':
      if (!hasPk) {
        throw new AirbyteError('STRATEGY_INVALID', {
          message: `Stream "${stream.name}" has no primary key, so it cannot be merged.`,
          guidance: 'Use --strategy append or replace for it, or select streams that have a primary key.',
          context: { stream: stream.name, strategy },
        });
      }
      return can('append_dedup') ? 'append_dedup' : refuse('append_dedup', 'merge (deduplicate)');
    case 'auto': {
      const order = autoOrder(stream);
      const mode = order.find(can);
      if (!mode) refuse(order[0], 'write');
      return mode!;
    }
  }
}

/** Whether a stream has a primary key and a cursor: what "auto" decides by. */
function keysOf(stream: StrategyStreamFacts): { hasPk: boolean; hasCursor: boolean } {
  return { hasPk: (stream.primaryKey ?? []).some((p) => p.length > 0), hasCursor: (stream.cursorField ?? []).length > 0 };
}

/** The modes "auto" tries for a stream: the preferred one first, then the next-best ones. */
function autoOrder(stream: StrategyStreamFacts): DestinationSyncMode[] {
  const { hasPk, hasCursor } = keysOf(stream);
  if (hasPk) return ['append_dedup', 'append', 'overwrite'];
  return hasCursor ? ['append', 'overwrite'] : ['overwrite', 'append'];
}

function strategiesFor(modes: readonly DestinationSyncMode[], hasPk: boolean): string[] {
  const out = ['auto'];
  if (modes.includes('append')) out.push('append');
  if (modes.includes('overwrite')) out.push('replace');
  if (modes.includes('append_dedup') && hasPk) out.push('merge');
  return out;
}

/** What a strategy becomes for one stream at one destination, and why, in words. */
export interface StrategyOutcome {
  /** The destination sync mode; undefined when the strategy cannot be used for the stream. */
  mode?: DestinationSyncMode;
  /** `has a primary key; destination-sqlite cannot merge (it supports overwrite, append)`, or the error. */
  why: string;
}

/**
 * {@link resolveDestinationSyncMode} with the reason, for showing before a run starts ("auto" is
 * merge with a primary key, but not where the destination cannot deduplicate).
 */
export function explainStrategy(
  strategy: WriteStrategy,
  stream: StrategyStreamFacts,
  supported: readonly DestinationSyncMode[] | undefined,
  destinationName: string,
): StrategyOutcome {
  let mode: DestinationSyncMode;
  try {
    mode = resolveDestinationSyncMode(strategy, stream, supported, destinationName);
  } catch (error) {
    return { why: error instanceof AirbyteError ? error.message : String(error) };
  }
  if (strategy !== 'auto') return { mode, why: `${strategy} asked` };
  const modes = supported && supported.length > 0 ? supported : DEFAULT_MODES;
  const { hasPk, hasCursor } = keysOf(stream);
  const facts = hasPk ? 'has a primary key' : hasCursor ? 'has a cursor, no primary key' : 'has no primary key or cursor';
  const preferred = autoOrder(stream)[0];
  if (mode === preferred) return { mode, why: facts };
  return {
    mode,
    why: `${facts}; ${destinationName} cannot ${preferred === 'append_dedup' ? 'merge' : preferred} (it supports ${modes.join(', ')})`,
  };
}
