/**
 * Turns stored blobs into an image: reads the config, unpacks each layer blob on the chain
 * (checking it against the config's diff IDs), then records the image and its names.
 * Every format that brings images in (archives, registry pulls, builds) ends here.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Lease } from '../metadata/leases.js';
import type { Engine } from '../engine.js';
import { parseImageConfig } from './image-config.js';
import type { ImageRecord } from './image-store.js';
import type { LayerBlob } from './layer-store.js';

/** The stored parts of one image. */
export interface ImageParts {
  configDigest: string;
  /** Layer blobs, base first. */
  layers: LayerBlob[];
  manifestDigest?: string;
  /**
   * Resolves when layer `index`'s blob is in the content store; lets a pull unpack each
   * layer as soon as it has arrived while later ones are still downloading.
   */
  layerReady?: (index: number) => Promise<void>;
}

/** Unpacks the layers and records the image under `refs`. */
export async function assembleImage(engine: Engine, parts: ImageParts, refs: string[], lease: Lease): Promise<ImageRecord> {
  const config = parseImageConfig(engine.content.readAll(parts.configDigest), `image ${parts.configDigest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== parts.layers.length) {
    throw new InvalidArgumentError(`image ${parts.configDigest}: config lists ${diffIds.length} layers, the manifest ${parts.layers.length}`);
  }
  let parent: string | undefined;
  for (const [i, blob] of parts.layers.entries()) {
    await parts.layerReady?.(i);
    const layer = await engine.layers.addFromBlob(blob, parent, lease, diffIds[i]);
    parent = layer.chainId;
  }
  return engine.images.add(
    { configDigest: parts.configDigest, ...(parts.manifestDigest !== undefined && { manifestDigest: parts.manifestDigest }), ...(parent !== undefined && { topLayer: parent }) },
    refs,
  );
}
