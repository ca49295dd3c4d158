/** `intermodal image prune`: removes dangling (or all unused) images and unreferenced layers and blobs. */
import { parseArgs } from 'node:util';
import { pruneImages } from '../../engine/images/garbage-collector.js';
import type { Command } from '../cli/command.js';
import { humanSize } from '../cli/format.js';

export const pruneCommand: Command = {
  name: 'prune',
  usage: 'image prune [-a]',
  summary: 'Remove dangling images (-a: every image no container uses) and unreferenced layers and blobs',
  async run(ctx, argv) {
    const { values } = parseArgs({ args: argv, options: { all: { type: 'boolean', short: 'a' }, force: { type: 'boolean', short: 'f' } } });
    const engine = ctx.engine();
    const report = pruneImages(engine.images, engine, { all: values.all ?? false });
    for (const id of report.images) ctx.out.write(`Deleted Images: ${id}\n`);
    ctx.out.write(`Deleted ${report.layers.length} layers and ${report.blobs.length} blobs\nTotal reclaimed space: ${humanSize(report.reclaimedBytes)}\n`);
    return 0;
  },
};
