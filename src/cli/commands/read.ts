import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const readCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write read',
  run: async (_args, io) => {
    io.err('airbyte-write read is not built yet.');
    return 1;
  },
};
