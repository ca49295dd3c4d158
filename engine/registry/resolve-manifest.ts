/**
 * Resolves a tag or digest on a registry to one image manifest: HEAD first (so an
 * oversized document is refused unread and a manifest already stored is not fetched
 * again), then GET, verify the bytes against the digest asked for or announced, and if it
 * is an index or manifest list, pick the platform's entry and resolve that.
 */
import { digestOf } from '../content/digest.js';
import { InvalidArgumentError, NotFoundError, NotImplementedError } from '../errors.js';
import type { Engine } from '../engine.js';
import { type ImageIndex, type ImageManifest, isIndexMediaType, parseManifestDocument } from '../images/oci-descriptor.js';
import { type Platform, pickManifest } from './platform.js';
import { maxManifestBytes, type RegistryClient } from './registry-client.js';

/** A manifest with its exact bytes. */
export interface ResolvedManifest {
  manifest: ImageManifest;
  bytes: Buffer;
  digest: string;
  mediaType: string;
  /** The digest the reference itself resolved to (the index's, when there was one). */
  topDigest: string;
}

interface Fetched {
  bytes: Buffer;
  digest: string;
  mediaType: string | undefined;
}

/** Resolves `reference` (tag or digest) to the image manifest for `platform`. */
export async function resolveManifest(engine: Engine, client: RegistryClient, reference: string, platform: Platform): Promise<ResolvedManifest> {
  const expected = reference.startsWith('sha256:') ? reference : undefined;
  const top = await fetchDocument(engine, client, reference, expected);
  let current = top;
  for (let depth = 0; ; depth++) {
    const doc = parseManifestDocument(current.bytes, `manifest ${client.name(current.digest)}`);
    if ('manifests' in doc) {
      if (depth >= 2) throw new InvalidArgumentError(`${client.name(reference)}: image indexes nested too deep`);
      const entry = pickManifest(doc as ImageIndex, platform, `index ${client.name(current.digest)}`);
      if (entry.size > maxManifestBytes) throw new InvalidArgumentError(`manifest ${entry.digest} is ${entry.size} bytes, over the ${maxManifestBytes}-byte limit`);
      current = await fetchDocument(engine, client, entry.digest, entry.digest);
      continue;
    }
    const manifest = doc as ImageManifest;
    const mediaType = manifest.mediaType ?? current.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    if (isIndexMediaType(mediaType)) throw new InvalidArgumentError(`${client.name(current.digest)}: an index that claims layers is refused`);
    return { manifest, bytes: current.bytes, digest: current.digest, mediaType, topDigest: top.digest };
  }
}

async function fetchDocument(engine: Engine, client: RegistryClient, reference: string, expected: string | undefined): Promise<Fetched> {
  const head = await client.headManifest(reference);
  if (!head) throw new NotFoundError(`manifest for ${client.name(reference)} not found`);
  if (head.size !== undefined && head.size > maxManifestBytes) {
    throw new InvalidArgumentError(`manifest ${client.name(reference)} is ${head.size} bytes, over the ${maxManifestBytes}-byte limit`);
  }
  if (head.mediaType?.startsWith('application/vnd.docker.distribution.manifest.v1')) throw new NotImplementedError(`${client.name(reference)} is a Docker schema1 manifest, which is not supported`);
  const known = expected ?? head.digest;
  if (known !== undefined && engine.content.has(known)) {
    return { bytes: engine.content.readAll(known, maxManifestBytes), digest: known, mediaType: head.mediaType };
  }
  const got = await client.getManifest(reference);
  const digest = digestOf(got.bytes);
  for (const claimed of [expected, got.digest, head.digest]) {
    if (claimed !== undefined && claimed !== digest) {
      throw new InvalidArgumentError(`manifest ${client.name(reference)}: content has digest ${digest}, expected ${claimed}`);
    }
  }
  return { bytes: got.bytes, digest, mediaType: got.mediaType ?? head.mediaType };
}
