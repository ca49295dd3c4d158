/**
 * `import`: makes a one-layer image from a root filesystem tarball (plain, gzip or zstd),
 * as `docker import` does, with Dockerfile-style config changes. All or nothing: a refused
 * tarball or change stores nothing.
 */
import type { Engine } from '../engine.js';
import { leaseBlob, leasedOperation } from './leased-operation.js';
import { applyConfigChanges } from './config-changes.js';
import { type ImageConfig, hostArchitecture } from './image-config.js';
import type { ImageRecord } from './image-store.js';
import { ociLayerMediaType } from './media-types.js';
import { parseReference } from './reference.js';
import { sniffCompression } from './archive/sniff-compression.js';

/** Options for import. */
export interface ImportOptions {
  /** The name to give the image (`name[:tag]`); untagged without one. */
  ref?: string;
  /** Dockerfile-style changes: `CMD ["sh"]`, `ENV A=b`, ... */
  changes?: string[];
  /** A history comment, as `docker import -m`. */
  message?: string;
  /** Keep device nodes in the tarball (refused otherwise). */
  allowDevices?: boolean;
}

/** Imports a rootfs tarball stream as a new image. */
export async function importRootfs(engine: Engine, source: AsyncIterable<Buffer>, options: ImportOptions = {}): Promise<ImageRecord> {
  // Both checked before a byte is stored.
  if (options.ref !== undefined) parseReference(options.ref);
  const containerConfig = applyConfigChanges({}, options.changes ?? []);
  return leasedOperation(engine, async (lease) => {
    const blob = await engine.content.write(source, leaseBlob(lease));
    const mediaType = ociLayerMediaType(sniffCompression(engine.content.blobPath(blob.digest)));
    const layer = await engine.layers.addFromBlob({ digest: blob.digest, mediaType }, undefined, lease, undefined, {
      ...(options.allowDevices !== undefined && { allowDevices: options.allowDevices }),
    });
    const created = new Date().toISOString();
    const config: ImageConfig = {
      architecture: hostArchitecture(),
      os: 'linux',
      created,
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, created_by: 'intermodal import', ...(options.message !== undefined && { comment: options.message }) }],
    };
    const configBlob = await engine.content.write(Buffer.from(JSON.stringify(config)), leaseBlob(lease));
    return engine.images.add({ configDigest: configBlob.digest, topLayer: layer.chainId }, options.ref !== undefined ? [options.ref] : []);
  });
}
