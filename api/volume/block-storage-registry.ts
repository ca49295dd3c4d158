/**
 * Where Nova finds the block storage of its cloud: the volume service registers its Cinder
 * volumes here when it is mounted, as the network service does its networking
 * (network-registry.ts), so Nova's volume attachment routes need no build order.
 */
import type { CloudContext } from '../cloud-server.js';
import type { CinderVolumes } from '../../translators/volume/cinder-volumes.js';

const registry = new WeakMap<CloudContext, CinderVolumes>();

export function registerBlockStorage(cloud: CloudContext, volumes: CinderVolumes): void {
  registry.set(cloud, volumes);
}

export function blockStorageOf(cloud: CloudContext): CinderVolumes | undefined {
  return registry.get(cloud);
}
