/**
 * `pull`: brings an image from a registry into the store exactly as `load` would record it
 * (the image ID is the config digest, as Docker's). Blobs download in parallel (bounded),
 * each streamed into the content store, which verifies digest and size before the blob
 * becomes visible; a blob already stored is not fetched again. Each layer is unpacked as
 * soon as it and the layers below it have arrived. All or nothing: on any failure the
 * other downloads are stopped and what this pull stored is collected again.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Engine } from '../engine.js';
import { assembleImage } from '../images/assemble-image.js';
import { parseImageConfig } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-store.js';
import { leaseBlob, leasedOperation } from '../images/leased-operation.js';
import type { Descriptor } from '../images/oci-descriptor.js';
import { formatReference, parseReference, registryLocation } from '../images/reference.js';
import type { Lease } from '../metadata/leases.js';
import { CredentialStore } from './credential-store.js';
import { parsePlatform } from './platform.js';
import { RegistryClient } from './registry-client.js';
import { resolveManifest } from './resolve-manifest.js';
import { bounded, metered, type ProgressListener, shortDigest } from './transfer-progress.js';

/** Options for a pull. */
export interface PullOptions {
  /** `os/arch[/variant]`; default linux on this machine's architecture. */
  platform?: string;
  onProgress?: ProgressListener;
}

/** What a pull did. */
export interface PullResult {
  image: ImageRecord;
  /** The reference as recorded. */
  ref: string;
  /** What the reference resolved to on the registry (the index digest for a multi-platform image). */
  digest: string;
  /** Blobs fetched; 0 when everything was already stored. */
  downloaded: number;
}

/** Largest image config accepted; real ones are tens of kB. */
const maxConfigBytes = 4 * 1024 * 1024;

/** Pulls `text` (`host[:port]/repo[:tag|@digest]`). */
export async function pullImage(engine: Engine, text: string, options: PullOptions = {}): Promise<PullResult> {
  const ref = parseReference(text);
  const platform = parsePlatform(options.platform);
  const location = registryLocation(ref.name, engine.config.registries.defaultRegistry);
  const credentials = new CredentialStore(engine.config.dataDir).get(location.host);
  const client = new RegistryClient(location.host, location.repository, {
    config: engine.config.registries,
    ...(credentials && { credentials }),
    actions: ['pull'],
  });
  const resolved = await resolveManifest(engine, client, ref.digest ?? ref.tag!, platform);
  const { manifest } = resolved;
  if (manifest.config.size > maxConfigBytes) throw new InvalidArgumentError(`image config ${manifest.config.digest} is ${manifest.config.size} bytes, over the ${maxConfigBytes}-byte limit`);
  const progress = options.onProgress ?? (() => {});
  let downloaded = 0;

  const image = await leasedOperation(engine, async (lease) => {
    await engine.content.write(resolved.bytes, { digest: resolved.digest, size: resolved.bytes.length, ...leaseBlob(lease) });
    if (await fetchBlob(engine, client, manifest.config, lease, undefined)) downloaded++;
    const config = parseImageConfig(engine.content.readAll(manifest.config.digest), `image ${manifest.config.digest}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new InvalidArgumentError(`${client.name(resolved.digest)}: config lists ${config.rootfs.diff_ids.length} layers, the manifest ${manifest.layers.length}`);
    }
    // Layers already stored are reported once, as Docker does, and then left quiet.
    const present = new Set(manifest.layers.filter((l) => engine.content.has(l.digest)).map((l) => shortDigest(l.digest)));
    for (const layer of manifest.layers) progress({ id: shortDigest(layer.digest), status: present.has(shortDigest(layer.digest)) ? 'Already exists' : 'Waiting' });
    const report: ProgressListener = (event) => {
      if (!present.has(event.id)) progress(event);
    };

    const abort = new AbortController();
    const downloads = bounded(
      engine.config.registries.maxConcurrentTransfers,
      manifest.layers.map((layer) => async () => {
        if (await fetchBlob(engine, client, layer, lease, abort.signal, progress)) downloaded++;
      }),
    );
    // Every download is awaited below or in the cleanup; this only keeps a failure that
    // happens before its turn from counting as unhandled.
    for (const d of downloads) d.catch(() => {});
    try {
      const record = await assembleImage(
        engine,
        {
          configDigest: manifest.config.digest,
          layers: manifest.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType })),
          manifestDigest: resolved.digest,
          layerReady: async (i) => {
            if (i > 0) report({ id: shortDigest(manifest.layers[i - 1]!.digest), status: 'Pull complete' });
            await downloads[i];
            report({ id: shortDigest(manifest.layers[i]!.digest), status: 'Extracting' });
          },
        },
        [formatReference(ref)],
        lease,
      );
      const last = manifest.layers[manifest.layers.length - 1];
      if (last) report({ id: shortDigest(last.digest), status: 'Pull complete' });
      return record;
    } catch (err) {
      // Stop the other downloads and let them settle before the collection that follows.
      abort.abort();
      await Promise.allSettled(downloads);
      throw err;
    }
  });
  return { image, ref: formatReference(ref), digest: resolved.topDigest, downloaded };
}

/** Streams one blob into the content store unless stored; true when it was fetched. */
async function fetchBlob(
  engine: Engine,
  client: RegistryClient,
  descriptor: Descriptor,
  lease: Lease,
  signal: AbortSignal | undefined,
  progress?: ProgressListener,
): Promise<boolean> {
  lease.add(`blob:${descriptor.digest}`);
  if (engine.content.has(descriptor.digest)) return false;
  const id = shortDigest(descriptor.digest);
  const source = client.blob(descriptor.digest, descriptor.size, signal);
  const reported = progress
    ? metered(source, (current) => progress({ id, status: 'Downloading', current, total: descriptor.size }))
    : source;
  await engine.content.write(reported, { digest: descriptor.digest, size: descriptor.size, ...leaseBlob(lease) });
  progress?.({ id, status: 'Download complete' });
  return true;
}
