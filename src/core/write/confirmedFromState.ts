/**
 * A destination's confirmed positions in the record cache follow from the state it confirmed. A
 * destination written streamed (`--no-cache`) has committed state but no position in the cache,
 * which another destination's reads may have filled: replaying from the cache's start would send
 * it everything again. When its committed state equals a checkpoint the cache holds, it holds
 * exactly the records before that checkpoint, so that checkpoint's position is its confirmed one.
 */
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import { stateFingerprint } from './stateManager';

/**
 * Sets the confirmed cache position of each incremental stream of `plans` that has none yet for
 * the destination, from its committed state. Returns the streams whose committed state matched no
 * cached checkpoint: they are replayed from the start of the cache (nothing lost, an append may
 * duplicate), and the caller says so.
 */
export function confirmFromCommittedState(
  store: WorkspaceStore,
  ids: { sourceId: string; destinationId: string },
  plans: StreamPlan[],
): string[] {
  const { sourceId, destinationId } = ids;
  // Full-refresh streams are sent whole each run whatever the destination holds.
  const keys = plans
    .filter((p) => p.syncMode === 'incremental' && !p.truncate)
    .map((p) => p.key)
    .filter((k) => store.cacheIndex.confirmed(sourceId, destinationId, k) === undefined);
  const rows = store.states.get(sourceId, destinationId);
  if (keys.length === 0 || rows.length === 0) return [];
  const checkpoints = store.cacheIndex.states(sourceId).map((c) => ({ positions: c.positions, fingerprint: stateFingerprint(c.state) }));
  const positions: Record<string, number> = {};
  const unmatched: string[] = [];
  const whole = rows.find((r) => r.type !== 'STREAM');
  for (const key of keys) {
    const row = whole ?? rows.find((r) => r.streamKey === key);
    // No state for the stream: the destination confirmed none of it, so it gets all of it.
    if (!row) continue;
    const fingerprint = stateFingerprint(row.state);
    // The earliest equal checkpoint: were two equal, sending the records between them again
    // duplicates at worst, where taking the later one could skip records never sent.
    const match = checkpoints.find((c) => c.fingerprint === fingerprint);
    if (match?.positions[key] !== undefined) positions[key] = match.positions[key];
    else unmatched.push(key);
  }
  store.cacheIndex.setConfirmed(sourceId, destinationId, positions);
  return unmatched;
}
