/** `intermodal image inspect` / `intermodal inspect`: an image's config and layers as JSON. */
import { imageManifest } from '../../engine/images/image-manifest.js';
import type { Engine } from '../../engine/engine.js';
import { NotFoundError } from '../../engine/errors.js';
import { type Command, UsageError } from '../cli/command.js';
import { inspectContainer } from './container-inspect.js';
import { json } from '../cli/format.js';
import { errorLine } from '../cli/errors.js';

/** The inspect document of one image, in Docker's field names. */
export function inspectImage(engine: Engine, name: string): Record<string, unknown> {
  const image = engine.images.resolve(name);
  const config = engine.images.config(image.id);
  const chain = image.topLayer === undefined ? [] : engine.layers.chain(image.topLayer);
  return {
    Id: image.id,
    RepoTags: image.refs.filter((r) => !r.includes('@')),
    RepoDigests: image.refs.filter((r) => r.includes('@')),
    ManifestDigest: imageManifest(engine, image).digest,
    Created: config.created ?? null,
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    Config: config.config ?? {},
    Size: chain.reduce((sum, l) => sum + l.size, 0),
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    GraphDriver: { Name: 'overlay', Data: { LowerDirs: chain.map((l) => l.dir).reverse() } },
    History: config.history ?? [],
    Users: engine.images.users(image.id),
  };
}

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'inspect CONTAINER|IMAGE...',
  summary: 'Show containers or images as JSON',
  async run(ctx, argv) {
    if (argv.length === 0) throw new UsageError('inspect needs at least one IMAGE');
    const docs = [];
    let status = 0;
    for (const name of argv) {
      try {
        docs.push(await inspectContainer(ctx.containers(), name));
      } catch (containerErr) {
        try {
          docs.push(inspectImage(ctx.engine(), name));
        } catch {
          ctx.err.write(errorLine(new NotFoundError(`no such object: ${name}`, { cause: containerErr })));
          status = 1;
        }
      }
    }
    ctx.out.write(json(docs));
    return status;
  },
};
