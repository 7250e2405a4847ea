import type { CliCommand } from '../cliIo';

// Placeholder while the command is being built; replaced by its owner.
export const registryCommand: CliCommand = {
  summary: '(not built yet)',
  usage: 'airbyte-write registry',
  run: async (_args, io) => {
    io.err('airbyte-write registry is not built yet.');
    return 1;
  },
};
