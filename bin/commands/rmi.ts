/** `intermodal rmi`: removes images (untags a name shared with others), then their unused layers. */
import { parseArgs } from 'node:util';
import { collectGarbage } from '../../engine/images/garbage-collector.js';
import { type Command, UsageError } from '../cli/command.js';
import { errorLine } from '../cli/errors.js';

export const rmiCommand: Command = {
  name: 'rmi',
  usage: 'rmi [-f] IMAGE...',
  summary: 'Remove images; refuses an image a container uses unless -f',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
    if (positionals.length === 0) throw new UsageError('rmi needs at least one IMAGE');
    const engine = ctx.engine();
    let status = 0;
    for (const name of positionals) {
      try {
        const result = engine.images.remove(name, { force: values.force ?? false });
        for (const ref of result.untagged) ctx.out.write(`Untagged: ${ref}\n`);
        if (result.deleted) ctx.out.write(`Deleted: ${result.deleted}\n`);
      } catch (err) {
        // Like docker rmi, one refusal does not stop the others.
        ctx.err.write(errorLine(err));
        status = 1;
      }
    }
    for (const layer of collectGarbage(engine).layers) ctx.out.write(`Deleted layer: ${layer}\n`);
    return status;
  },
};
