import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const validateCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write validate',
  run: async (_args, io) => {
    io.err('airbyte-write validate is not built yet.');
    return 1;
  },
};
