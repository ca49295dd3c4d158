/**
 * `push`: sends a stored image to a registry. Its manifest is the one it came with when it
 * has one (so a pulled image keeps its digest), else one made deterministically from the
 * stored blobs (image-manifest.ts). Each blob is checked with HEAD first and only missing
 * ones are sent: mounted from another repository of the same registry when a stored image
 * came from there, else uploaded (one PUT, or PATCH chunks for big blobs). The manifest
 * goes last, when everything it points at is there.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Engine } from '../engine.js';
import { imageManifest } from '../images/image-manifest.js';
import type { Descriptor } from '../images/oci-descriptor.js';
import { formatReference, parseReference, type RegistryLocation, registryLocation } from '../images/reference.js';
import { startUpload, uploadChunked, uploadMonolithic, putManifest } from './blob-upload.js';
import { CredentialStore } from './credential-store.js';
import { RegistryClient } from './registry-client.js';
import { bounded, metered, type ProgressListener, shortDigest } from './transfer-progress.js';
import { Readable } from 'node:stream';

/** Options for a push. */
export interface PushOptions {
  onProgress?: ProgressListener;
}

/** What a push did, in the terms Docker prints (`TAG: digest: DIGEST size: N`). */
export interface PushResult {
  /** `host/repository`. */
  repository: string;
  /** The tag pushed, or the digest when pushed by digest. */
  tag: string;
  digest: string;
  size: number;
  /** Blobs whose bytes were sent. */
  uploaded: number;
  /** Blobs mounted from another repository. */
  mounted: number;
}

/** Pushes the stored image `text` names to the registry its name says. */
export async function pushImage(engine: Engine, text: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(text);
  const image = engine.images.resolve(text);
  const document = imageManifest(engine, image);
  const config = engine.config.registries;
  const location = registryLocation(ref.name, config.defaultRegistry);
  const credentials = new CredentialStore(engine.config.dataDir).get(location.host);
  const sources = mountSources(engine, location);
  const fromRepos = [...new Set(sources.values())];
  const client = new RegistryClient(location.host, location.repository, {
    config,
    ...(credentials && { credentials }),
    actions: ['pull', 'push'],
    // A mount needs pull access to the repository it takes the blob from.
    extraScopes: fromRepos.map((repo) => `repository:${repo}:pull`),
  });
  const progress = options.onProgress ?? (() => {});
  const blobs: Descriptor[] = [...document.manifest.layers, document.manifest.config];
  for (const blob of blobs) {
    if (!engine.content.has(blob.digest)) throw new InvalidArgumentError(`image ${image.id}: blob ${blob.digest} is not stored, so it cannot be pushed`);
    progress({ id: shortDigest(blob.digest), status: 'Preparing' });
  }
  let uploaded = 0;
  let mounted = 0;
  const transfers = bounded(
    config.maxConcurrentTransfers,
    blobs.map((blob) => async () => {
      const id = shortDigest(blob.digest);
      if (await client.hasBlob(blob.digest)) {
        progress({ id, status: 'Layer already exists' });
        return;
      }
      const from = sources.get(blob.digest);
      const start = await startUpload(client, from !== undefined ? { digest: blob.digest, from } : undefined);
      if (start.mounted) {
        mounted++;
        progress({ id, status: 'Mounted', ...(from !== undefined && { from }) });
        return;
      }
      const report = (current: number): void => progress({ id, status: 'Pushing', current, total: blob.size });
      if (blob.size > config.uploadChunkBytes) {
        await uploadChunked(client, start.location, blob.digest, blob.size, config.uploadChunkBytes, (s, e) => engine.content.read(blob.digest, { start: s, end: e }), report);
      } else {
        const body = Readable.from(metered(engine.content.read(blob.digest), report), { objectMode: false });
        await uploadMonolithic(client, start.location, blob.digest, blob.size, body);
      }
      uploaded++;
      progress({ id, status: 'Pushed' });
    }),
  );
  const settled = await Promise.allSettled(transfers);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;

  const tag = ref.tag ?? ref.digest!;
  if (ref.tag === undefined && ref.digest !== document.digest) {
    throw new InvalidArgumentError(`${formatReference(ref)}: the stored image's manifest has digest ${document.digest}`);
  }
  const reported = await putManifest(client, tag, document.bytes, document.mediaType);
  if (reported !== undefined && reported !== document.digest) {
    throw new InvalidArgumentError(`${client.name(tag)}: registry stored the manifest as ${reported}, we sent ${document.digest}`);
  }
  return { repository: `${location.host}/${location.repository}`, tag, digest: document.digest, size: document.bytes.length, uploaded, mounted };
}

/**
 * Blobs that stored images named on the same registry (in other repositories) carry:
 * digest → repository to mount it from. Those images came from, or went to, that registry,
 * so the registry most likely holds their blobs; a failed mount just falls back to upload.
 */
function mountSources(engine: Engine, target: RegistryLocation): Map<string, string> {
  const sources = new Map<string, string>();
  for (const image of engine.images.list()) {
    const repos = image.refs
      .map((r) => {
        try {
          return registryLocation(parseReference(r).name, engine.config.registries.defaultRegistry);
        } catch {
          return undefined;
        }
      })
      .filter((l): l is RegistryLocation => l !== undefined && l.host === target.host && l.repository !== target.repository);
    if (repos.length === 0) continue;
    let blobs: Descriptor[];
    try {
      const doc = imageManifest(engine, image);
      blobs = [doc.manifest.config, ...doc.manifest.layers];
    } catch {
      continue;
    }
    for (const blob of blobs) if (!sources.has(blob.digest)) sources.set(blob.digest, repos[0]!.repository);
  }
  return sources;
}
