/**
 * `save --format oci`: writes images as an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/...`), as a tarball or into a directory. Each name becomes one index entry
 * annotated with the tag (`org.opencontainers.image.ref.name`, what `skopeo oci:DIR:TAG`
 * and `umoci --image DIR:TAG` look up) and the full name (`io.containerd.image.name`).
 */
import type { Engine } from '../../engine.js';
import { digestHex } from '../../content/digest.js';
import { imageManifest } from '../image-manifest.js';
import { MediaTypes } from '../media-types.js';
import type { Descriptor } from '../oci-descriptor.js';
import { splitStoredReference } from '../reference.js';
import type { LayoutSink } from './layout-sink.js';
import type { SaveItem } from './save-docker-archive.js';

/** Writes `items` as an OCI layout into `sink`. */
export async function saveOciLayout(engine: Engine, items: SaveItem[], sink: LayoutSink): Promise<void> {
  const index: { schemaVersion: 2; mediaType: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
  const written = new Set<string>();
  const addBlob = async (digest: string, body: () => Buffer | AsyncIterable<Buffer>): Promise<void> => {
    if (written.has(digest)) return;
    written.add(digest);
    await sink.add(`blobs/sha256/${digestHex(digest)}`, engine.content.info(digest).size, body());
  };
  try {
    const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await sink.add('oci-layout', layout.length, layout);
    for (const { image, refs } of items) {
      const manifest = imageManifest(engine, image);
      for (const layer of manifest.manifest.layers) await addBlob(layer.digest, () => engine.content.read(layer.digest));
      await addBlob(image.id, () => engine.content.readAll(image.id));
      if (!written.has(manifest.digest)) {
        written.add(manifest.digest);
        await sink.add(`blobs/sha256/${digestHex(manifest.digest)}`, manifest.bytes.length, manifest.bytes);
      }
      const descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
      const names = refs.filter((r) => !r.includes('@'));
      if (names.length === 0) index.manifests.push(descriptor);
      for (const ref of names) {
        const { tag } = splitStoredReference(ref);
        index.manifests.push({ ...descriptor, annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': tag } });
      }
    }
    const indexBytes = Buffer.from(JSON.stringify(index));
    await sink.add('index.json', indexBytes.length, indexBytes);
    await sink.finish();
  } catch (err) {
    await sink.abort(err as Error);
    throw err;
  }
}
