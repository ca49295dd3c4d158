/** `intermodal load`: loads images from a docker-archive or OCI layout tarball. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadImageArchive } from '../../engine/images/archive/load.js';
import type { Command } from '../cli/command.js';

export const loadCommand: Command = {
  name: 'load',
  usage: 'load [-i FILE] [--name NAME] [-q]',
  summary: 'Load images from a docker-archive or OCI layout tarball (stdin without -i)',
  async run(ctx, argv) {
    const { values } = parseArgs({ args: argv, options: { input: { type: 'string', short: 'i' }, name: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } } });
    const source = values.input !== undefined ? fs.createReadStream(values.input, { highWaterMark: 1024 * 1024 }) : process.stdin;
    const images = await loadImageArchive(ctx.engine(), source, { ...(values.name !== undefined && { name: values.name }) });
    for (const image of images) {
      if (image.refs.length === 0) ctx.out.write(`Loaded image ID: ${image.id}\n`);
      for (const ref of image.refs) ctx.out.write(`Loaded image: ${ref}\n`);
    }
    if (!values.quiet && images.length === 0) ctx.err.write('no images in archive\n');
    return 0;
  },
};
