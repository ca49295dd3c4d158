/** `intermodal images`: lists images with shared-size accounting. */
import { parseArgs } from 'node:util';
import { imageUsage } from '../../engine/images/image-usage.js';
import { shortId } from '../../engine/images/image-store.js';
import { splitStoredReference } from '../../engine/images/reference.js';
import type { Command } from '../cli/command.js';
import { humanSize, json, table, timeAgo } from '../cli/format.js';

export const imagesCommand: Command = {
  name: 'images',
  usage: 'images [-q] [--no-trunc] [--format table|json]',
  summary: 'List images; SHARED SIZE counts layers other images also use',
  async run(ctx, argv) {
    const { values } = parseArgs({ args: argv, options: { quiet: { type: 'boolean', short: 'q' }, 'no-trunc': { type: 'boolean' }, format: { type: 'string', default: 'table' } } });
    const usage = imageUsage(ctx.engine());
    const id = (full: string): string => (values['no-trunc'] ? full : shortId(full));
    if (values.quiet) {
      ctx.out.write([...new Set(usage.images.map((u) => id(u.image.id)))].map((l) => `${l}\n`).join(''));
      return 0;
    }
    if (values.format === 'json') {
      ctx.out.write(json({
        images: usage.images.map((u) => ({ Id: u.image.id, RepoTags: u.image.refs, Created: u.created?.toISOString() ?? null, Size: u.size, SharedSize: u.sharedSize, UniqueSize: u.uniqueSize })),
        LayersSize: usage.totalLayerBytes,
        Layers: usage.layerCount,
      }));
      return 0;
    }
    const rows: string[][] = [];
    for (const u of usage.images) {
      const names = u.image.refs.length > 0 ? u.image.refs.map(splitStoredReference) : [{ repository: '<none>', tag: '<none>' }];
      for (const { repository, tag } of names) {
        rows.push([repository, tag, id(u.image.id), u.created ? timeAgo(u.created) : 'N/A', humanSize(u.size), humanSize(u.sharedSize), humanSize(u.uniqueSize)]);
      }
    }
    ctx.out.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE'], rows));
    ctx.out.write(`\n${usage.images.length} images, ${usage.layerCount} layers, ${humanSize(usage.totalLayerBytes)} on disk (shared layers counted once)\n`);
    return 0;
  },
};
