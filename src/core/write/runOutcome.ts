/** How a run ended, in the forms the store, the caller and the error need. */
import { AirbyteError, isAirbyteError } from '../errors';
import type { SecretMasker } from '../secrets';
import type { RunStatus, RunStreamStats } from '../store/runHistory';
import type { StreamPlan } from './catalogBuilder';
import type { ProgressTracker } from './progressTracker';
import type { StreamResult } from './writeResult';

/** A cancelled run (ABORTED) is not a failed one. */
export function statusOf(error: unknown): Exclude<RunStatus, 'running' | 'succeeded'> {
  return isAirbyteError(error, 'ABORTED') ? 'cancelled' : 'failed';
}

/** The error's message, masked, as run history keeps it. */
export function errorText(error: unknown, masker: SecretMasker): string {
  return masker.mask(error instanceof Error ? error.message : String(error));
}

/** A connector's error, with the run it failed and what was kept; never loses the connector's own fields. */
export function runError(error: unknown, runId: number, kept: string, masker: SecretMasker): AirbyteError {
  if (isAirbyteError(error)) {
    return new AirbyteError(error.code, {
      message: masker.mask(error.message),
      guidance: [error.guidance, kept].filter(Boolean).join(' '),
      context: { ...error.context, runId },
      exitCode: error.exitCode,
      traceMessage: error.traceMessage,
      logTail: error.logTail.map((l) => masker.mask(l)),
      cause: error,
    });
  }
  return new AirbyteError('CONNECTOR_FAILED', {
    message: errorText(error, masker),
    guidance: kept,
    context: { runId },
    cause: error,
  });
}

/** Per-stream counts as run history keeps them. */
export function streamStats(tracker: ProgressTracker, plans: StreamPlan[], complete: boolean): RunStreamStats[] {
  return plans.map((p) => {
    const s = tracker.stream(p.key);
    return {
      stream: p.key,
      recordsRead: s.recordsRead,
      recordsSent: s.recordsSent,
      recordsConfirmed: s.recordsConfirmed,
      bytes: Math.max(s.bytesRead, s.bytesSent),
      status: complete ? 'complete' : 'incomplete',
    };
  });
}

/**
 * Per-stream counts of a read run as run history keeps them: what it read. A write through the
 * cache feeds its destination during the read, and what the destination was sent and confirmed
 * belongs to the write run (counted in both, the history would say twice what was confirmed).
 */
export function readStats(tracker: ProgressTracker, plans: StreamPlan[], complete: boolean): RunStreamStats[] {
  return streamStats(tracker, plans, complete).map((s) => ({
    ...s,
    recordsSent: 0,
    recordsConfirmed: 0,
    bytes: tracker.stream(s.stream).bytesRead,
  }));
}

/** Per-stream results as a read or write returns them. */
export function streamResults(tracker: ProgressTracker, plans: StreamPlan[], complete: boolean, withDestination: boolean): StreamResult[] {
  return plans.map((p) => {
    const s = tracker.stream(p.key);
    return {
      stream: p.key,
      syncMode: p.syncMode,
      destinationSyncMode: withDestination ? p.destinationSyncMode : undefined,
      recordsRead: s.recordsRead,
      recordsSent: s.recordsSent,
      recordsConfirmed: s.recordsConfirmed,
      bytes: Math.max(s.bytesRead, s.bytesSent),
      status: complete ? 'complete' : 'incomplete',
    };
  });
}
