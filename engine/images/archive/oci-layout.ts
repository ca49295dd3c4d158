/**
 * Reads the images of an OCI image layout (as a tarball): `index.json` points at manifests
 * (or nested indexes) in `blobs/sha256/`. A nested index yields the manifest for this
 * machine's platform. Names come from the `io.containerd.image.name` annotation, else from
 * `org.opencontainers.image.ref.name` when that is a whole reference, else from a tag
 * given by the caller's `name`.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Engine } from '../../engine.js';
import type { Lease } from '../../metadata/leases.js';
import { assembleImage } from '../assemble-image.js';
import { hostArchitecture } from '../image-config.js';
import type { ImageRecord } from '../image-store.js';
import { type Descriptor, type ImageIndex, type ImageManifest, isIndexMediaType, parseManifestDocument } from '../oci-descriptor.js';
import type { ArchiveFiles } from './archive-files.js';

const maxIndexDepth = 4;

/** Records every image `index.json` names. */
export async function importOciLayout(engine: Engine, files: ArchiveFiles, lease: Lease, options: { name?: string } = {}): Promise<ImageRecord[]> {
  const index = parseManifestDocument(files.document('index.json', engine.content), 'index.json');
  if (!('manifests' in index)) throw new InvalidArgumentError('index.json is not an image index');
  const images: ImageRecord[] = [];
  for (const descriptor of index.manifests) {
    const manifestDescriptor = resolvePlatform(engine, descriptor, 0);
    const manifest = parseManifestDocument(engine.content.readAll(manifestDescriptor.digest), `manifest ${manifestDescriptor.digest}`) as ImageManifest;
    const refs = refsOf(descriptor, options.name);
    images.push(
      await assembleImage(
        engine,
        {
          configDigest: requireBlob(engine, manifest.config.digest),
          layers: manifest.layers.map((l) => ({ digest: requireBlob(engine, l.digest), mediaType: l.mediaType })),
          manifestDigest: manifestDescriptor.digest,
        },
        refs,
        lease,
      ),
    );
  }
  return images;
}

function resolvePlatform(engine: Engine, descriptor: Descriptor, depth: number): Descriptor {
  requireBlob(engine, descriptor.digest);
  if (!isIndexMediaType(descriptor.mediaType)) return descriptor;
  if (depth >= maxIndexDepth) throw new InvalidArgumentError(`image index nesting deeper than ${maxIndexDepth}`);
  const nested = parseManifestDocument(engine.content.readAll(descriptor.digest), `index ${descriptor.digest}`) as ImageIndex;
  const arch = hostArchitecture();
  const match = nested.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
  if (!match) throw new InvalidArgumentError(`index ${descriptor.digest} has no image for linux/${arch}`);
  return resolvePlatform(engine, match, depth + 1);
}

function requireBlob(engine: Engine, digest: string): string {
  if (!engine.content.has(digest)) throw new InvalidArgumentError(`OCI layout lacks blob ${digest}`);
  return digest;
}

function refsOf(descriptor: Descriptor, name: string | undefined): string[] {
  const full = descriptor.annotations?.['io.containerd.image.name'];
  if (full) return [full];
  const refName = descriptor.annotations?.['org.opencontainers.image.ref.name'];
  if (!refName) return name ? [name] : [];
  if (refName.includes(':') || refName.includes('/')) return [refName];
  return name ? [`${name.replace(/:[^:/]*$/, '')}:${refName}`] : [];
}
