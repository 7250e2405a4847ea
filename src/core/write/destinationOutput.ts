/** The destination's side of a write: what ends its input, and following what it answers. */
import type { ConnectorRun } from '../connectors/connectorProcess';
import type { PipelineConnector } from '../connectors/pipelineConnector';
import { AirbyteError } from '../errors';
import type { AirbyteStateMessage } from '../protocol/messages';
import { message as build } from '../protocol/messages';
import type { StreamPlan } from './catalogBuilder';
import { handleControl } from './connectorControl';
import type { RunContext } from './runContext';

/**
 * Follows the destination's stdout until it exits: echoed STATEs go to `onEcho` as they come,
 * CONTROL messages are applied. Resolves with the error that ended it, if any.
 */
export async function followDestination(
  ctx: RunContext,
  destination: PipelineConnector,
  run: ConnectorRun,
  onEcho: (state: AirbyteStateMessage) => void,
): Promise<{ error?: unknown }> {
  try {
    for await (const batch of run.batches()) {
      for (const { message: m } of batch) {
        if (m.type === 'STATE') onEcho(m.state);
        else if (m.type === 'CONTROL') await handleControl(ctx, destination, m);
      }
      ctx.tracker.emit();
    }
    await run.done;
    return {};
  } catch (error) {
    return { error };
  }
}

/** The TRACE STREAM_STATUS lines that end a destination's input, one per stream; none for a destination that does not take them. */
export function statusLines(ctx: Pick<RunContext, 'streamStatus'>, plans: StreamPlan[], status: 'COMPLETE' | 'INCOMPLETE'): string {
  if (ctx.streamStatus === false) return '';
  const now = Date.now();
  return plans
    .map(
      (p) =>
        `${JSON.stringify(build.streamStatus(p.namespace ? { name: p.name, namespace: p.namespace } : { name: p.name }, status, now))}\n`,
    )
    .join('');
}

/** A destination that exited, even with 0, before it read all of its input: it did not write the rest. */
export function endedEarly(name: string): AirbyteError {
  return new AirbyteError('CONNECTOR_FAILED', {
    message: `${name} exited before it had read all of its input.`,
    guidance: "See the destination's last log lines. Nothing past the last state it confirmed was committed.",
    context: { connector: name, command: 'write' },
  });
}
