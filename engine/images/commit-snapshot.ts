/**
 * `commit`: turns what an active snapshot changed (its overlay upper dir) into a new gzip
 * layer on top of the snapshot's image, and records a new image with the extended config
 * and history. The caller keeps the snapshot still while it is read (a container is paused).
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Engine } from '../engine.js';
import { exportLayer } from '../layers/export.js';
import { leaseBlob, leasedOperation } from './leased-operation.js';
import { applyConfigChanges } from './config-changes.js';
import { type ImageConfig, hostArchitecture } from './image-config.js';
import type { ImageRecord } from './image-store.js';
import { MediaTypes } from './media-types.js';
import { parseReference } from './reference.js';

/** Options for commit. */
export interface CommitOptions {
  ref?: string;
  changes?: string[];
  /** History comment, as `docker commit -m`. */
  message?: string;
  author?: string;
  /** What the history says made the layer. */
  createdBy?: string;
}

/** Commits snapshot `key` as a new image. */
export async function commitSnapshot(engine: Engine, key: string, options: CommitOptions = {}): Promise<ImageRecord> {
  if (options.ref !== undefined) parseReference(options.ref);
  const info = await engine.snapshots.stat(key);
  const base: ImageConfig = info.imageId !== undefined
    ? engine.images.config(info.imageId)
    : { architecture: hostArchitecture(), os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  const containerConfig = applyConfigChanges(base.config ?? {}, options.changes ?? []);
  return leasedOperation(engine, async (lease) => {
    const hash = crypto.createHash('sha256');
    const tar = exportLayer(await engine.snapshots.upperDir(key));
    tar.on('data', (chunk: Buffer) => hash.update(chunk));
    // Level 1: commit is interactive, and a registry push recompresses nothing anyway.
    const compressed = zlib.createGzip({ level: 1 });
    tar.on('error', (err) => compressed.destroy(err));
    tar.pipe(compressed);
    const blob = await engine.content.write(compressed, leaseBlob(lease));
    const diffId = `sha256:${hash.digest('hex')}`;
    const layer = await engine.layers.addFromBlob({ digest: blob.digest, mediaType: MediaTypes.ociLayerGzip }, info.parent, lease, diffId);
    const created = new Date().toISOString();
    const config: ImageConfig = {
      ...base,
      architecture: base.architecture ?? hostArchitecture(),
      os: base.os ?? 'linux',
      created,
      ...(options.author !== undefined && { author: options.author }),
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, diffId] },
      history: [
        ...(base.history ?? []),
        { created, created_by: options.createdBy ?? 'intermodal commit', ...(options.message !== undefined && { comment: options.message }), ...(options.author !== undefined && { author: options.author }) },
      ],
    };
    const configBlob = await engine.content.write(Buffer.from(JSON.stringify(config)), leaseBlob(lease));
    return engine.images.add({ configDigest: configBlob.digest, topLayer: layer.chainId }, options.ref !== undefined ? [options.ref] : []);
  });
}
