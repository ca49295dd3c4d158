/**
 * Attaching a volume to a container that already runs, without restarting it: the volume's
 * directory (a sized volume's mounted filesystem) is cloned and mounted straight into the
 * container's mount namespace at the destination (sys.mountIntoNamespace), nosuid and
 * nodev; the container gains no capability and sees no host path. The attachment is
 * recorded as the container's use of the volume (container_volumes), so `volume rm`
 * refuses it while attached, the next start of the container mounts it as any volume, and
 * removing the container ends it with the container (the volume stays).
 *
 * A stopped container is attached on record only: its next start mounts the volume.
 */
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, hasErrno } from '../errors.js';
import { sys } from '../sys/index.js';
import type { ContainerService } from './container-service.js';

const reserved = ['/proc', '/sys', '/dev'];

/** Throws unless `destination` is a place a volume may be mounted in a container. */
export function checkDestination(destination: string): void {
  if (typeof destination !== 'string' || !path.isAbsolute(destination) || path.normalize(destination) !== destination || destination.length > 1024) {
    throw new InvalidArgumentError(`invalid mount path '${destination}': give an absolute, normalized path`);
  }
  if (destination === '/' || reserved.some((r) => destination === r || destination.startsWith(`${r}/`))) {
    throw new InvalidArgumentError(`cannot mount a volume at '${destination}': the root and ${reserved.join(', ')} belong to the runtime`);
  }
}

/** Mounts `volume` at `destination` in the container (now if it runs, else at its next start). */
export async function attachVolume(containers: ContainerService, idOrName: string, volume: string, destination: string, options: { readOnly?: boolean } = {}): Promise<void> {
  checkDestination(destination);
  const record = await containers.get(idOrName);
  const found = containers.volumes.ready(volume);
  const uses = containers.volumes.usesOf(record.id);
  if (uses.some((u) => u.destination === destination)) throw new AlreadyExistsError(`container ${record.name} already has a volume at ${destination}`);
  if (uses.some((u) => u.volume === found.name)) throw new AlreadyExistsError(`volume '${found.name}' is already attached to container ${record.name}`);
  if (record.spec.mounts.some((m) => m.destination === destination)) throw new AlreadyExistsError(`container ${record.name} already mounts something at ${destination}`);
  if (record.status === 'restarting' || record.status === 'removing') throw new FailedPreconditionError(`container ${record.name} is ${record.status}; attach the volume once it has settled`);
  containers.volumes.addUse(record.id, found.name, destination);
  if (record.status !== 'running' && record.status !== 'paused') return;
  try {
    sys.mountIntoNamespace(record.pid!, found.mountpoint, destination, options.readOnly ?? false);
  } catch (err) {
    containers.volumes.removeUse(record.id, found.name);
    throw new FailedPreconditionError(`cannot mount volume '${found.name}' at ${destination} in container ${record.name}: ${(err as Error).message}`, { cause: err });
  }
}

/** Unmounts `volume` from the container (if it runs) and ends the attachment; NotFoundError if it is not attached. */
export async function detachVolume(containers: ContainerService, idOrName: string, volume: string): Promise<void> {
  const record = await containers.get(idOrName);
  const use = containers.volumes.usesOf(record.id).find((u) => u.volume === volume);
  if (!use) throw new NotFoundError(`volume '${volume}' is not attached to container ${record.name}`);
  if ((record.status === 'running' || record.status === 'paused') && record.pid !== undefined) {
    try {
      sys.umountInNamespace(record.pid, use.destination);
    } catch (err) {
      // EINVAL: nothing is mounted there any more (unmounted from inside); the record still goes.
      if (!hasErrno(err, 'EINVAL') && !hasErrno(err, 'ENOENT')) throw err;
    }
  }
  containers.volumes.removeUse(record.id, volume);
}
