/**
 * cgroup limits in Docker's units (bytes, CPUs, shares) turned into the OCI
 * `linux.resources` runc applies at create and `runc update` applies live. Values are
 * checked here, so a bad limit is an InvalidArgumentError naming it rather than a runc
 * failure halfway through a create.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { ResourceLimits } from '../runtime.js';
import type { OciResources } from './oci-spec.js';

/** The CFS period `cpus` is expressed against (100 ms, as Docker). */
export const cpuPeriodMicros = 100_000;
/** Docker's smallest memory limit: below it even runc's own init does not fit. */
export const minMemoryBytes = 6 * 1024 * 1024;

/**
 * The OCI resources for `limits`; fields not given are left out, so for an update they
 * keep their current value. Memory without `memorySwapBytes` means no swap at all (swap
 * limit = memory limit), which keeps an OOM an OOM instead of a slow swap storm.
 */
export function ociResources(limits: ResourceLimits): OciResources {
  const out: OciResources = {};
  if (limits.memoryBytes !== undefined) {
    const limit = checkInteger('memory limit', limits.memoryBytes, minMemoryBytes, Number.MAX_SAFE_INTEGER);
    const swap = limits.memorySwapBytes ?? limit;
    if (swap !== -1 && swap < limit) throw new InvalidArgumentError(`memory+swap limit ${swap} is below the memory limit ${limit}`);
    out.memory = { limit, swap };
  } else if (limits.memorySwapBytes !== undefined) {
    throw new InvalidArgumentError('a memory+swap limit needs a memory limit as well');
  }
  if (limits.cpus !== undefined || limits.cpuShares !== undefined || limits.cpusetCpus !== undefined) {
    out.cpu = {};
    if (limits.cpusetCpus !== undefined) {
      if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(limits.cpusetCpus)) throw new InvalidArgumentError(`cpuset '${limits.cpusetCpus}' must be a CPU list such as 0-1,3`);
      out.cpu.cpus = limits.cpusetCpus;
    }
    if (limits.cpus !== undefined) {
      if (!Number.isFinite(limits.cpus) || limits.cpus <= 0) throw new InvalidArgumentError(`cpus must be a positive number, not ${limits.cpus}`);
      // The kernel refuses quotas under 1 ms.
      out.cpu.quota = Math.max(1000, Math.round(limits.cpus * cpuPeriodMicros));
      out.cpu.period = cpuPeriodMicros;
    }
    if (limits.cpuShares !== undefined) out.cpu.shares = checkInteger('cpu shares', limits.cpuShares, 2, 262_144);
  }
  if (limits.pidsLimit !== undefined) {
    out.pids = { limit: limits.pidsLimit === -1 ? -1 : checkInteger('pids limit', limits.pidsLimit, 1, 4_194_304) };
  }
  if (limits.blkioWeight !== undefined) out.blockIO = { weight: checkInteger('blkio weight', limits.blkioWeight, 10, 1000) };
  return out;
}

function checkInteger(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, not ${value}`);
  return value;
}
