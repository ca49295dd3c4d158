/** `intermodal pull`: fetches an image from a Docker Registry v2 / OCI registry. */
import { parseArgs } from 'node:util';
import { parseReference } from '../../engine/images/reference.js';
import { pullImage } from '../../engine/registry/index.js';
import { type Command, UsageError } from '../cli/command.js';
import { transferDisplay } from './transfer-display.js';

export const pullCommand: Command = {
  name: 'pull',
  usage: 'pull [-q] [--platform OS/ARCH[/VARIANT]] HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]',
  summary: 'Pull an image from a registry',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { quiet: { type: 'boolean', short: 'q' }, platform: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('pull needs exactly one image reference');
    const text = positionals[0]!;
    const ref = parseReference(text);
    const quiet = values.quiet === true;
    if (!quiet) ctx.out.write(`${ref.tag ?? ref.digest}: Pulling from ${ref.name}\n`);
    const display = transferDisplay(ctx.out, quiet);
    const result = await pullImage(ctx.engine(), text, { ...(values.platform !== undefined && { platform: values.platform }), onProgress: display.listener });
    display.finish();
    if (!quiet) {
      ctx.out.write(`Digest: ${result.digest}\n`);
      ctx.out.write(result.downloaded > 0 ? `Status: Downloaded newer image for ${result.ref}\n` : `Status: Image is up to date for ${result.ref}\n`);
    }
    ctx.out.write(`${result.ref}\n`);
    return 0;
  },
};
