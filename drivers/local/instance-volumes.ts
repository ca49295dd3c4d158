/**
 * Volumes attached to the local driver's instances: the engine volume is mounted into the
 * instance's container while it runs (engine/containers/volume-hotplug.ts), so attaching
 * neither restarts the instance nor gives it a block device or any privilege. Nova's
 * device names mean nothing to a container; the API chooses the mount path.
 */
import type { ContainerService } from '../../engine/containers/container-service.js';
import { attachVolume, detachVolume } from '../../engine/containers/volume-hotplug.js';
import { NotFoundError } from '../../engine/errors.js';
import type { VolumeRef } from '../compute-driver.js';

/** Mounts the volume at `mountPath` in the instance's container `containerId`. */
export async function attachInstanceVolume(containers: ContainerService, containerId: string, volume: VolumeRef, mountPath: string): Promise<void> {
  await attachVolume(containers, containerId, volume.engineVolume, mountPath);
}

/** Unmounts it; a volume that is not attached (or is gone) is already detached. */
export async function detachInstanceVolume(containers: ContainerService, containerId: string, volume: VolumeRef): Promise<void> {
  try {
    await detachVolume(containers, containerId, volume.engineVolume);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
