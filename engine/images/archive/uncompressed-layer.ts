/** Streams a layer's tar uncompressed, from whichever blob of it the store holds. */
import type { Engine } from '../../engine.js';
import { decompressedStream } from '../../layers/compression.js';
import { pickBlob } from '../image-manifest.js';
import type { LayerRecord } from '../layer-store.js';

/** The uncompressed tar of `layer`; its length is `layer.size`. */
export async function uncompressedLayer(engine: Engine, layer: LayerRecord): Promise<AsyncIterable<Buffer>> {
  const blob = pickBlob(engine.layers.blobsOf(layer.diffId), layer.diffId, true);
  const raw = engine.content.read(blob.digest);
  if (blob.digest === layer.diffId) return raw;
  return (await decompressedStream(raw)).stream;
}
