/**
 * CONTROL messages: a connector that rotated a credential (an OAuth refresh token) sends its new
 * config, which is written back into the config file it came from, comments kept.
 */
import type { PipelineConnector } from '../connectors/pipelineConnector';
import type { AirbyteMessage, JsonObject } from '../protocol/messages';
import { validateConfig } from '../spec/specValidator';
import { writeBackConnectorConfig } from './configWriteBack';
import type { RunContext } from './runContext';
import { notice } from './runContext';

/** Saves a CONNECTOR_CONFIG update into the connector's config file and says what happened; other messages are ignored. */
export async function handleControl(ctx: RunContext, connector: PipelineConnector, m: AirbyteMessage): Promise<void> {
  if (m.type !== 'CONTROL' || m.control.type !== 'CONNECTOR_CONFIG') return;
  const update = m.control.connectorConfig?.config;
  const file = connector.configPath;
  if (!file) {
    notice(ctx, `${connector.name} sent an updated config, but it was not started from a config file, so the update was not saved.`);
    return;
  }
  try {
    const spec = connector.specIfKnown();
    const result = await writeBackConnectorConfig(file, update, {
      previous: connector.config,
      validate: spec
        ? (c: JsonObject) => validateConfig(c, spec.connectionSpecification).map((p) => `${p.pointer || '/'}: ${p.message}`)
        : undefined,
    });
    if (result.updated.length) notice(ctx, `${connector.name} updated its config: ${result.updated.join(', ')} saved to ${file}.`);
    if (result.skippedReferences.length) {
      notice(
        ctx,
        `${connector.name} updated ${result.skippedReferences.join(', ')}, which ${file} takes from a reference (env var or secret store): update it there.`,
      );
    }
  } catch (error) {
    notice(ctx, ctx.masker.mask(`${connector.name} sent a config update that was not saved: ${(error as Error).message}`));
  }
}
