/** `intermodal image SUBCOMMAND`: the image verbs grouped as `docker image` groups them. */
import { type Command, UsageError } from '../cli/command.js';
import { imagesCommand } from './images.js';
import { importCommand } from './import.js';
import { inspectCommand } from './inspect.js';
import { loadCommand } from './load.js';
import { pruneCommand } from './prune.js';
import { rmiCommand } from './rmi.js';
import { saveCommand } from './save.js';
import { tagCommand } from './tag.js';

const subcommands: Record<string, Command> = {
  ls: imagesCommand,
  list: imagesCommand,
  inspect: inspectCommand,
  prune: pruneCommand,
  rm: rmiCommand,
  tag: tagCommand,
  load: loadCommand,
  save: saveCommand,
  import: importCommand,
};

export const imageCommand: Command = {
  name: 'image',
  usage: `image ${Object.keys(subcommands).join('|')} ...`,
  summary: 'Manage images',
  async run(ctx, argv) {
    const [sub, ...rest] = argv;
    const command = sub !== undefined ? subcommands[sub] : undefined;
    if (!command) throw new UsageError(`image needs a subcommand: ${Object.keys(subcommands).join(', ')}`);
    return command.run(ctx, rest);
  },
};
