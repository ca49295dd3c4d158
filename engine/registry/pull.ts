/**
 * `pull`: brings an image from a registry into the store exactly as `load` would record it
 * (the image ID is the config digest, as Docker's). Blobs download in parallel (bounded),
 * each streamed into the content store, which verifies digest and size before the blob
 * becomes visible; a blob already stored is not fetched again. Each layer is unpacked from
 * its bytes as they arrive (blob-tee.ts) and kept once its blob is verified and the layers
 * below it are recorded. All or nothing: on any failure the other downloads are stopped and
 * what this pull stored is collected again.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Engine } from '../engine.js';
import { assembleImage } from '../images/assemble-image.js';
import { parseImageConfig } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-store.js';
import { chainIdOf } from '../images/layer-store.js';
import { leaseBlob, leasedOperation } from '../images/leased-operation.js';
import type { Descriptor } from '../images/oci-descriptor.js';
import { formatReference, parseReference, registryLocation } from '../images/reference.js';
import type { Lease } from '../metadata/leases.js';
import type { Expected } from '../content/content-store.js';
import { CredentialStore } from './credential-store.js';
import { parsePlatform } from './platform.js';
import { BlobTee } from './blob-tee.js';
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
    // Layer i's turn comes when the layers below it are recorded; a layer unpacked while it
    // downloads waits for its turn before it is kept, as its row refers to its parent's.
    const turns = manifest.layers.map(() => deferred());
    const chainIds = chainOf(config.rootfs.diff_ids);
    const downloads = bounded(
      engine.config.registries.maxConcurrentTransfers,
      manifest.layers.map((layer, i) => async () => {
        const unpackAlong: UnpackAlong = { parent: chainIds[i - 1], diffId: config.rootfs.diff_ids[i]!, parentRecorded: turns[i]!.promise };
        if (await fetchBlob(engine, client, layer, lease, abort.signal, progress, unpackAlong)) downloaded++;
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
            turns[i]!.resolve();
            if (i > 0) report({ id: shortDigest(manifest.layers[i - 1]!.digest), status: 'Pull complete' });
            await downloads[i];
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
      for (const turn of turns) turn.reject(err);
      await Promise.allSettled(downloads);
      throw err;
    }
  });
  return { image, ref: formatReference(ref), digest: resolved.topDigest, downloaded };
}

/** Where a layer blob goes in the layer store when it is unpacked while it downloads. */
interface UnpackAlong {
  parent: string | undefined;
  diffId: string;
  parentRecorded: Promise<void>;
}

/** Chain IDs of the layers named by `diffIds`, base first. */
function chainOf(diffIds: string[]): string[] {
  const chain: string[] = [];
  for (const diffId of diffIds) chain.push(chainIdOf(chain[chain.length - 1], diffId));
  return chain;
}

/**
 * Streams one blob into the content store unless stored; true when it was fetched. With
 * `unpackAlong` a layer blob is also unpacked from the same bytes as they arrive, and the
 * layer is kept once the store has verified the blob (or dropped with it).
 */
async function fetchBlob(
  engine: Engine,
  client: RegistryClient,
  descriptor: Descriptor,
  lease: Lease,
  signal: AbortSignal | undefined,
  progress?: ProgressListener,
  unpackAlong?: UnpackAlong,
): Promise<boolean> {
  lease.add(`blob:${descriptor.digest}`);
  if (engine.content.has(descriptor.digest)) return false;
  const id = shortDigest(descriptor.digest);
  const source = client.blob(descriptor.digest, descriptor.size, signal);
  const reported = progress
    ? metered(source, (current) => progress({ id, status: 'Downloading', current, total: descriptor.size }))
    : source;
  const expected = { digest: descriptor.digest, size: descriptor.size, ...leaseBlob(lease) };
  if (!unpackAlong) {
    await engine.content.write(reported, expected);
    progress?.({ id, status: 'Download complete' });
  } else {
    // The unpack runs behind the download and finishes after it: from the moment the blob
    // is whole and verified until the layer is kept, the layer is honestly "Extracting".
    const downloaded = (): void => {
      progress?.({ id, status: 'Download complete' });
      progress?.({ id, status: 'Extracting' });
    };
    await writeAndUnpack(engine, descriptor, reported, expected, lease, unpackAlong, downloaded);
  }
  return true;
}

/**
 * Writes a layer blob into the content store and unpacks the same bytes as they arrive.
 * The download's verdict comes first, as when unpacking followed it: bytes that fail their
 * digest are reported as such even if they also made a broken archive, and an archive the
 * unpacker refuses is reported once the blob is known to be the one the manifest names.
 */
async function writeAndUnpack(
  engine: Engine,
  descriptor: Descriptor,
  source: AsyncIterable<Buffer>,
  expected: Expected,
  lease: Lease,
  along: UnpackAlong,
  downloaded: () => void,
): Promise<void> {
  const tee = new BlobTee(source);
  const stored = engine.content.write(tee.leader(), expected).finally(() => tee.leaderDone());
  stored.then(downloaded, () => {});
  const arriving = { bytes: tee.follower(), detach: () => tee.detach(), stored, parentRecorded: along.parentRecorded };
  const blob = { digest: descriptor.digest, mediaType: descriptor.mediaType };
  const unpacked = engine.layers.addFromBlob(blob, along.parent, lease, along.diffId, {}, arriving);
  const [write, layer] = await Promise.allSettled([stored, unpacked]);
  if (write.status === 'rejected') throw write.reason;
  // Not drained: the store already had the blob (another pull kept it meanwhile) and read
  // none of this download, so the layer is unpacked from the stored blob like any other.
  if (layer.status === 'rejected' && tee.drained) throw layer.reason;
}

/** A promise with its resolve and reject (Promise.withResolvers arrives with Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (reason: unknown) => void } {
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejected only when the pull fails, and then nobody may be waiting.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
