import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const checkCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write check',
  run: async (_args, io) => {
    io.err('airbyte-write check is not built yet.');
    return 1;
  },
};
