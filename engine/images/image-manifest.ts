/**
 * The manifest of a stored image: the one it came with when there is one (so that its
 * digest stays what the registry or layout said), else an OCI manifest made from the
 * config and the stored layer blobs, deterministically, so the same image always gets the
 * same manifest digest.
 */
import { digestOf } from '../content/digest.js';
import { NotFoundError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { ImageRecord } from './image-store.js';
import type { LayerBlob } from './layer-store.js';
import { MediaTypes } from './media-types.js';
import { type Descriptor, type ImageManifest, parseManifestDocument } from './oci-descriptor.js';

/** A manifest with its exact bytes and digest. */
export interface ManifestDocument {
  manifest: ImageManifest;
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

/** The manifest for `image`. */
export function imageManifest(engine: Engine, image: ImageRecord): ManifestDocument {
  if (image.manifestDigest !== undefined && engine.content.has(image.manifestDigest)) {
    const bytes = engine.content.readAll(image.manifestDigest);
    const manifest = parseManifestDocument(bytes, `manifest ${image.manifestDigest}`) as ImageManifest;
    if (manifest.layers.every((l) => engine.content.has(l.digest))) {
      return { manifest, bytes, digest: image.manifestDigest, mediaType: manifest.mediaType ?? MediaTypes.ociManifest };
    }
  }
  const config = engine.content.info(image.id);
  const layers: Descriptor[] = image.topLayer === undefined ? [] : engine.layers.chain(image.topLayer).map((layer) => {
    const blob = pickBlob(engine.layers.blobsOf(layer.diffId), layer.diffId);
    return { mediaType: blob.mediaType, digest: blob.digest, size: engine.content.info(blob.digest).size };
  });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, digest: digestOf(bytes), mediaType: MediaTypes.ociManifest };
}

/** A stored blob of a layer: the uncompressed one (digest = diff ID) if `uncompressed` and stored, else the first. */
export function pickBlob(blobs: LayerBlob[], diffId: string, uncompressed = false): LayerBlob {
  const blob = (uncompressed && blobs.find((b) => b.digest === diffId)) || blobs[0];
  if (!blob) throw new NotFoundError(`no stored blob carries layer ${diffId}`);
  return blob;
}
