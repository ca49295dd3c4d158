/**
 * Images a build makes without a new layer: the empty base of `FROM scratch`, and the
 * result of a config-only step (ENV, CMD, LABEL, ...), which is its parent's layers with a
 * changed config and one more history entry marked `empty_layer`.
 */
import type { Engine } from '../engine.js';
import { type ContainerConfig, type ImageConfig, hostArchitecture } from '../images/image-config.js';
import type { ImageRecord } from '../images/image-store.js';
import { leaseBlob, leasedOperation } from '../images/leased-operation.js';

/** The image `FROM scratch` starts from: no layers, no config; the same ID every time. */
export async function scratchImage(engine: Engine): Promise<ImageRecord> {
  const config: ImageConfig = { architecture: hostArchitecture(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
  return storeConfig(engine, config, undefined);
}

/** A new image over `parent`'s layers with `change` applied to its container config. */
export async function commitConfigStep(engine: Engine, parent: ImageRecord, change: (config: ContainerConfig) => ContainerConfig, createdBy: string): Promise<ImageRecord> {
  const base = engine.images.config(parent.id);
  const created = new Date().toISOString();
  const config: ImageConfig = {
    ...base,
    created,
    config: change(structuredClone(base.config ?? {})),
    history: [...(base.history ?? []), { created, created_by: createdBy, empty_layer: true }],
  };
  return storeConfig(engine, config, parent.topLayer);
}

async function storeConfig(engine: Engine, config: ImageConfig, topLayer: string | undefined): Promise<ImageRecord> {
  return leasedOperation(engine, async (lease) => {
    const blob = await engine.content.write(Buffer.from(JSON.stringify(config)), leaseBlob(lease));
    return engine.images.add({ configDigest: blob.digest, ...(topLayer !== undefined && { topLayer }) }, []);
  });
}
