import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const specCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write spec',
  run: async (_args, io) => {
    io.err('airbyte-write spec is not built yet.');
    return 1;
  },
};
