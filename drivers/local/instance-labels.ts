/**
 * How the local driver marks the containers that are its instances. Only a container
 * carrying both the instance-id and the driver label is an instance; every other container
 * on the engine (a user's `intermodal run`, another driver's) is invisible to the driver.
 * The flavor's resources are kept as labels too, so the host's allocations can be summed
 * from the container records alone.
 */
import { InvalidArgumentError } from '../../engine/errors.js';
import type { ContainerRecord } from '../../engine/containers/container-store.js';
import type { InstanceResources } from '../compute-driver.js';

/** Label names the driver writes. */
export const InstanceLabels = {
  instanceId: 'org.intermodal.instance-id',
  driver: 'org.intermodal.driver',
  vcpus: 'org.intermodal.vcpus',
  memoryMb: 'org.intermodal.memory-mb',
  diskGb: 'org.intermodal.disk-gb',
  /** Set when a boot script was given but the image has no /bin/sh to run it with. */
  bootScript: 'org.intermodal.boot-script',
} as const;

/** The driver label's value. */
export const driverName = 'local';

const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Throws unless `id` can name an instance (Nova's UUIDs always can). */
export function checkInstanceId(id: string): void {
  if (typeof id !== 'string' || !instanceIdPattern.test(id)) throw new InvalidArgumentError(`invalid instance id '${id}'`);
}

/** The container name of instance `id`. */
export function containerName(instanceId: string): string {
  return `instance-${instanceId}`;
}

/** Whether `record` is one of this driver's instances, and which. */
export function instanceIdOf(record: ContainerRecord): string | undefined {
  const labels = record.spec.labels ?? {};
  if (labels[InstanceLabels.driver] !== driverName) return undefined;
  const id = labels[InstanceLabels.instanceId];
  return id !== undefined && record.name === containerName(id) ? id : undefined;
}

/** The labels recording `resources`. */
export function resourceLabels(resources: InstanceResources): Record<string, string> {
  return { [InstanceLabels.vcpus]: String(resources.vcpus), [InstanceLabels.memoryMb]: String(resources.memoryMb), [InstanceLabels.diskGb]: String(resources.diskGb) };
}

/** The resources recorded on an instance (zeros where a label is missing). */
export function resourcesOf(record: ContainerRecord): InstanceResources {
  const labels = record.spec.labels ?? {};
  const num = (key: string): number => {
    const n = Number(labels[key]);
    return Number.isFinite(n) ? n : 0;
  };
  return { vcpus: num(InstanceLabels.vcpus), memoryMb: num(InstanceLabels.memoryMb), diskGb: num(InstanceLabels.diskGb) };
}

/**
 * A valid hostname from a display name, as Nova sanitises one: lower case, runs of
 * anything but letters, digits and '-' become '-', no leading or trailing '-', at most 63
 * characters; a name with nothing usable gives `server-<id>`.
 */
export function hostnameFor(name: string, instanceId: string): string {
  const clean = (text: string): string => text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '');
  return clean(name) || clean(`server-${instanceId}`);
}
