/** `builtin:dev-null`: accepts everything, keeps nothing, echoes every STATE. For trying pipelines and measuring. */
import type { ConnectorSpecification } from '../protocol/messages';
import type { BuiltinConnector } from './builtinConnector';
import { runDestinationLoop } from './destinationLoop';
import type { ProgramContext } from './inProcessExecutor';
import { BuiltinFailure, InProcessExecutor } from './inProcessExecutor';

export const DEV_NULL_SPEC: ConnectorSpecification = {
  documentationUrl: 'https://github.com/airbyte-write/airbyte-write#built-in-connectors',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Dev Null (built-in)',
    type: 'object',
    additionalProperties: true,
    properties: {},
  },
  supportsIncremental: true,
  supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
};

async function run(ctx: ProgramContext): Promise<void> {
  switch (ctx.command) {
    case 'spec':
      await ctx.emit({ type: 'SPEC', spec: DEV_NULL_SPEC });
      return;
    case 'check':
      await ctx.emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
      return;
    case 'write':
      await runDestinationLoop(ctx, { write: () => undefined, commit: async () => undefined }, { commitEveryMs: 0 });
      return;
    default:
      throw new BuiltinFailure(`builtin:dev-null is a destination; it cannot "${ctx.command}".`, 'config_error');
  }
}

export const devNullDestination: BuiltinConnector = {
  name: 'builtin:dev-null',
  type: 'destination',
  displayName: 'Dev Null (built-in)',
  description: 'Discards records and confirms every state; no Docker needed.',
  spec: DEV_NULL_SPEC,
  createExecutor: ({ baseDir }) => new InProcessExecutor('builtin:dev-null', run, baseDir),
};
