/** `intermodal push`: sends a stored image to a Docker Registry v2 / OCI registry. */
import { parseArgs } from 'node:util';
import { parseReference, registryLocation } from '../../engine/images/reference.js';
import { pushImage } from '../../engine/registry/index.js';
import { type Command, UsageError } from '../cli/command.js';
import { transferDisplay } from './transfer-display.js';

export const pushCommand: Command = {
  name: 'push',
  usage: 'push [-q] HOST[:PORT]/REPOSITORY[:TAG]',
  summary: 'Push an image to a registry',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { quiet: { type: 'boolean', short: 'q' } } });
    if (positionals.length !== 1) throw new UsageError('push needs exactly one image reference');
    const text = positionals[0]!;
    const engine = ctx.engine();
    const quiet = values.quiet === true;
    if (!quiet) {
      const location = registryLocation(parseReference(text).name, engine.config.registries.defaultRegistry);
      ctx.out.write(`The push refers to repository [${location.host}/${location.repository}]\n`);
    }
    const display = transferDisplay(ctx.out, quiet);
    const result = await pushImage(engine, text, { onProgress: display.listener });
    display.finish();
    ctx.out.write(quiet ? `${result.digest}\n` : `${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
    return 0;
  },
};
