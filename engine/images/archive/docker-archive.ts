/**
 * Reads the images of a docker-archive (what `docker save` writes): `manifest.json` lists
 * each image's config file, its tags and its layer tars, base first.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { Lease } from '../../metadata/leases.js';
import { assembleImage } from '../assemble-image.js';
import type { ImageRecord } from '../image-store.js';
import { ociLayerMediaType } from '../media-types.js';
import type { ArchiveFiles } from './archive-files.js';
import { sniffCompression } from './sniff-compression.js';

interface DockerArchiveManifestItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Records every image `manifest.json` lists; returns them in its order. */
export async function importDockerArchive(engine: Engine, files: ArchiveFiles, lease: Lease): Promise<ImageRecord[]> {
  const items = parseManifest(files.document('manifest.json', engine.content));
  const images: ImageRecord[] = [];
  for (const item of items) {
    const config = await files.blob(item.Config, engine.content, lease);
    const layers = [];
    for (const layerPath of item.Layers) {
      const { digest } = await files.blob(layerPath, engine.content, lease);
      layers.push({ digest, mediaType: ociLayerMediaType(sniffCompression(engine.content.blobPath(digest))) });
    }
    images.push(await assembleImage(engine, { configDigest: config.digest, layers }, item.RepoTags ?? [], lease));
  }
  return images;
}

function parseManifest(bytes: Buffer): DockerArchiveManifestItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InvalidArgumentError('docker-archive manifest.json is not JSON', { cause: err });
  }
  if (!Array.isArray(doc) || doc.length === 0) throw new InvalidArgumentError('docker-archive manifest.json lists no images');
  for (const item of doc as DockerArchiveManifestItem[]) {
    if (typeof item?.Config !== 'string' || !Array.isArray(item.Layers) || !item.Layers.every((l) => typeof l === 'string')) {
      throw new InvalidArgumentError('docker-archive manifest.json: an entry lacks Config or Layers');
    }
  }
  return doc as DockerArchiveManifestItem[];
}
