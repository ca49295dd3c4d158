/** `intermodal rename OLD NEW`. */
import { type Command, UsageError } from '../cli/command.js';

export const renameCommand: Command = {
  name: 'rename',
  usage: 'rename CONTAINER NEW_NAME',
  summary: 'Rename a container',
  async run(ctx, argv) {
    if (argv.length !== 2) throw new UsageError('rename needs CONTAINER and NEW_NAME');
    ctx.containers().rename(argv[0]!, argv[1]!);
    return 0;
  },
};
