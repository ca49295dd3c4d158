/** `intermodal tag`: gives an image another name. */
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/command.js';

export const tagCommand: Command = {
  name: 'tag',
  usage: 'tag SOURCE TARGET',
  summary: 'Create a name TARGET that refers to image SOURCE',
  async run(ctx, argv) {
    if (argv.length !== 2) throw new UsageError('tag needs SOURCE and TARGET');
    ctx.engine().images.tag(argv[0]!, argv[1]!);
    return 0;
  },
};
