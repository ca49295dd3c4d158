/**
 * A flavor's resources as container limits: memory in MiB becomes a hard limit in bytes
 * (no swap), vcpus become a CFS quota of that many CPUs and a CPU weight of 1024 per vcpu,
 * so instances on a busy host share CPU time in proportion to their flavors.
 */
import { InvalidArgumentError } from '../../engine/errors.js';
import { ociResources } from '../../engine/runtime/spec/resources.js';
import type { InstanceResources } from '../compute-driver.js';

/** The limits stored in a container spec and applied to its cgroup. */
export interface InstanceLimits {
  memoryBytes: number;
  cpus: number;
  cpuShares: number;
}

/** Checks `resources` and turns them into limits; InvalidArgumentError names the bad value. */
export function limitsFor(resources: InstanceResources): InstanceLimits {
  if (resources === null || typeof resources !== 'object') throw new InvalidArgumentError('resources are required');
  const { vcpus, memoryMb, diskGb } = resources;
  if (typeof vcpus !== 'number' || !Number.isFinite(vcpus) || vcpus <= 0 || vcpus > 1024) throw new InvalidArgumentError(`vcpus must be a positive number up to 1024, not ${vcpus}`);
  if (!Number.isInteger(memoryMb) || memoryMb <= 0) throw new InvalidArgumentError(`memoryMb must be a positive integer, not ${memoryMb}`);
  if (!Number.isInteger(diskGb) || diskGb < 0) throw new InvalidArgumentError(`diskGb must be a non-negative integer, not ${diskGb}`);
  const limits = { memoryBytes: memoryMb * 1024 * 1024, cpus: vcpus, cpuShares: Math.min(262_144, Math.max(2, Math.round(1024 * vcpus))) };
  // The engine's own checks (6 MiB minimum memory, share range), before anything is created.
  ociResources(limits);
  return limits;
}
