/**
 * A manifest PUT: validates the document against what the repository holds, then makes
 * it an image in the engine's image store (layers unpacked, named `repository:tag`) so
 * that `intermodal run` can start what was pushed. Nothing is recorded until every check
 * and every layer unpack has passed: a refused push changes no name and no record.
 */
import { digestOf, isDigest } from '../../engine/content/digest.js';
import type { Engine } from '../../engine/engine.js';
import { isIntermodalError } from '../../engine/errors.js';
import { hostArchitecture, parseImageConfig } from '../../engine/images/image-config.js';
import { MediaTypes } from '../../engine/images/media-types.js';
import { type ImageIndex, type ImageManifest, isIndexMediaType, parseManifestDocument } from '../../engine/images/oci-descriptor.js';
import { transaction } from '../../engine/metadata/database.js';
import { RegistryError } from './registry-errors.js';
import type { RepositoryStore } from './repository-store.js';

/** The largest manifest accepted, as distribution and the OCI spec suggest. */
export const manifestSizeLimit = 4 * 1024 * 1024;

const manifestTypes = new Set<string>([MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList]);
const imageConfigTypes = new Set<string>([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

/** What a push stored. */
export interface PushedManifest {
  digest: string;
  mediaType: string;
  imageId?: string;
  /** The digest in the manifest's OCI 1.1 `subject`, if it has one. */
  subject?: string;
}

/** Validates and stores a pushed manifest under `reference` (a tag or its own digest). */
export async function pushManifest(
  engine: Engine,
  store: RepositoryStore,
  push: { repository: string; reference: string; bytes: Buffer; contentType?: string; project?: string },
): Promise<PushedManifest> {
  const { repository, reference, bytes } = push;
  const digest = digestOf(bytes);
  const byDigest = reference.startsWith('sha256:');
  if (byDigest && (!isDigest(reference) || reference !== digest)) {
    throw new RegistryError('DIGEST_INVALID', `manifest digest is ${digest}, the URL says ${reference}`, { digest });
  }
  let doc: ImageManifest | ImageIndex;
  try {
    doc = parseManifestDocument(bytes, 'manifest');
  } catch (err) {
    throw new RegistryError('MANIFEST_INVALID', (err as Error).message);
  }
  const index = 'manifests' in doc ? doc : undefined;
  const manifest = 'manifests' in doc ? undefined : doc;
  const isIndex = index !== undefined;
  const contentType = push.contentType?.split(';')[0]?.trim();
  const mediaType = doc.mediaType ?? (contentType && manifestTypes.has(contentType) ? contentType : isIndex ? MediaTypes.ociIndex : MediaTypes.ociManifest);
  if (isIndex !== isIndexMediaType(mediaType)) throw new RegistryError('MANIFEST_INVALID', `media type ${mediaType} does not match the document`);
  if (doc.mediaType !== undefined && contentType !== undefined && manifestTypes.has(contentType) && contentType !== doc.mediaType) {
    throw new RegistryError('MANIFEST_INVALID', `Content-Type ${contentType} differs from the manifest's mediaType ${doc.mediaType}`);
  }
  const tag = byDigest ? undefined : reference;

  const lease = engine.lease();
  try {
    let image: { id: string; topLayer?: string } | undefined;
    let blobs: string[] = [];
    if (index) {
      blobs = [];
      for (const child of index.manifests) {
        const served = store.manifest(repository, child.digest);
        if (!served) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `manifest ${child.digest} is not in repository '${repository}'`, { digest: child.digest });
        if (served.bytes.length !== child.size) throw new RegistryError('MANIFEST_INVALID', `manifest ${child.digest} is ${served.bytes.length} bytes, the index says ${child.size}`);
      }
      // The child for this machine is what `intermodal run repository:tag` starts.
      const mine = index.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === hostArchitecture());
      const childImage = mine && store.pushedImage(repository, mine.digest);
      if (childImage !== undefined) {
        const topLayer = engine.images.get(childImage).topLayer;
        image = { id: childImage, ...(topLayer !== undefined && { topLayer }) };
      }
    } else if (manifest) {
      blobs = [manifest.config, ...manifest.layers].map((d) => d.digest);
      for (const d of [manifest.config, ...manifest.layers]) {
        if (!store.hasBlob(repository, d.digest)) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `blob ${d.digest} is not in repository '${repository}'`, { digest: d.digest });
        const size = engine.content.info(d.digest).size;
        if (size !== d.size) throw new RegistryError('MANIFEST_INVALID', `blob ${d.digest} is ${size} bytes, the manifest says ${d.size}`);
      }
      image = imageConfigTypes.has(manifest.config.mediaType) ? await unpackImage(engine, manifest, lease) : undefined;
    }
    await engine.content.write(bytes, { digest, hold: (d) => lease.add(`blob:${d}`) });
    transaction(engine.db, () => {
      store.ensureRepository(repository, push.project);
      store.recordManifest(repository, { digest, mediaType, ...(image !== undefined && { imageId: image.id }), blobs }, tag);
      if (image !== undefined) {
        engine.images.add(
          { configDigest: image.id, ...(!isIndex && { manifestDigest: digest }), ...(image.topLayer !== undefined && { topLayer: image.topLayer }) },
          [tag !== undefined ? `${repository}:${tag}` : `${repository}@${digest}`],
        );
      }
    });
    const subject = (doc as { subject?: { digest?: unknown } }).subject?.digest;
    return { digest, mediaType, ...(image !== undefined && { imageId: image.id }), ...(typeof subject === 'string' && { subject }) };
  } finally {
    lease.release();
  }
}

/** Unpacks an image manifest's layers (checked against the config's diff IDs); returns the image ID and top layer. */
async function unpackImage(engine: Engine, manifest: ImageManifest, lease: ReturnType<Engine['lease']>): Promise<{ id: string; topLayer?: string }> {
  try {
    const config = parseImageConfig(engine.content.readAll(manifest.config.digest), `image config ${manifest.config.digest}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new RegistryError('MANIFEST_INVALID', `the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
    }
    let parent: string | undefined;
    for (const [i, layer] of manifest.layers.entries()) {
      const record = await engine.layers.addFromBlob({ digest: layer.digest, mediaType: layer.mediaType }, parent, lease, diffIds[i]);
      parent = record.chainId;
    }
    return { id: manifest.config.digest, ...(parent !== undefined && { topLayer: parent }) };
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    if (isIntermodalError(err)) throw new RegistryError('MANIFEST_INVALID', err.message);
    throw err;
  }
}
