/**
 * `save`: writes images as a docker-archive, the format `docker load` and skopeo's
 * `docker-archive:` read: one uncompressed `<diffID hex>/layer.tar` per distinct layer,
 * `<config hex>.json`, then `manifest.json` and `repositories`, all written in one
 * streaming pass.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex } from '../../content/digest.js';
import type { Engine } from '../../engine.js';
import { TarWriter } from '../../layers/tar-writer.js';
import type { ImageRecord } from '../image-store.js';
import { splitStoredReference } from '../reference.js';
import { uncompressedLayer } from './uncompressed-layer.js';

/** One image to save and the names to save it under. */
export interface SaveItem {
  image: ImageRecord;
  refs: string[];
}

/** Writes `items` as a docker-archive to `out`. */
export async function saveDockerArchive(engine: Engine, items: SaveItem[], out: Writable): Promise<void> {
  const tar = new TarWriter();
  const done = pipeline(tar.stream, out);
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const written = new Set<string>();
  const mtime = 0;
  try {
    for (const { image, refs } of items) {
      const chain = image.topLayer === undefined ? [] : engine.layers.chain(image.topLayer);
      const layerPaths: string[] = [];
      for (const layer of chain) {
        const dir = digestHex(layer.diffId);
        const file = `${dir}/layer.tar`;
        layerPaths.push(file);
        if (written.has(file)) continue;
        written.add(file);
        await tar.add({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime });
        await tar.add({ name: file, type: 'file', size: layer.size, mode: 0o644, mtime }, await uncompressedLayer(engine, layer));
      }
      const configFile = `${digestHex(image.id)}.json`;
      if (!written.has(configFile)) {
        written.add(configFile);
        const config = engine.content.readAll(image.id);
        await tar.add({ name: configFile, type: 'file', size: config.length, mode: 0o644, mtime }, config);
      }
      manifest.push({ Config: configFile, RepoTags: refs.filter((r) => !r.includes('@')), Layers: layerPaths });
      const top = chain.at(-1);
      for (const ref of refs) {
        const { repository, tag } = splitStoredReference(ref);
        if (tag === '<none>' || top === undefined) continue;
        (repositories[repository] ??= {})[tag] = digestHex(top.diffId);
      }
    }
    await addJson(tar, 'manifest.json', manifest);
    await addJson(tar, 'repositories', repositories);
    await tar.finish();
  } catch (err) {
    tar.stream.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
}

async function addJson(tar: TarWriter, name: string, value: unknown): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(value));
  await tar.add({ name, type: 'file', size: bytes.length, mode: 0o644, mtime: 0 }, bytes);
}
