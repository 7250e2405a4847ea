import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const writeCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write write',
  run: async (_args, io) => {
    io.err('airbyte-write write is not built yet.');
    return 1;
  },
};
