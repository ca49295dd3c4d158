/** OCI descriptors, manifests and indexes: the JSON documents that point at blobs. */
import { InvalidArgumentError } from '../errors.js';
import { isDigest } from '../content/digest.js';
import { MediaTypes } from './media-types.js';

/** A pointer to a blob. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** An image manifest (OCI or Docker schema2; the same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index or Docker manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** True for the media types of an index or manifest list. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

/** Parses a manifest or index document; InvalidArgumentError on anything malformed. */
export function parseManifestDocument(bytes: Buffer, what: string): ImageManifest | ImageIndex {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidArgumentError(`${what} is not JSON`, { cause: err });
  }
  if (doc.schemaVersion !== 2) throw new InvalidArgumentError(`${what}: schemaVersion must be 2`);
  const hasManifests = Array.isArray(doc.manifests);
  const hasLayers = Array.isArray(doc.layers);
  // An index that also claims layers is ambiguous and could smuggle content past a reader.
  if (hasManifests && (hasLayers || doc.config !== undefined)) throw new InvalidArgumentError(`${what}: an index must not also have config or layers`);
  if (hasManifests) {
    (doc.manifests as unknown[]).forEach((d, i) => checkDescriptor(d, `${what} manifests[${i}]`));
    return doc as unknown as ImageIndex;
  }
  if (!hasLayers) throw new InvalidArgumentError(`${what}: neither a manifest nor an index`);
  checkDescriptor(doc.config, `${what} config`);
  (doc.layers as unknown[]).forEach((d, i) => checkDescriptor(d, `${what} layers[${i}]`));
  return doc as unknown as ImageManifest;
}

function checkDescriptor(value: unknown, what: string): void {
  const d = value as Descriptor;
  if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || !isDigest(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new InvalidArgumentError(`${what} is not a valid descriptor`);
  }
}
