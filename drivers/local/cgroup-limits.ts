/**
 * Applying new limits to a live instance by writing its cgroup's files, on cgroup v1 (one
 * hierarchy per controller, as on this project's hybrid hosts) or v2 (one unified
 * hierarchy). The values are the ones runc writes at create for the same limits (see
 * engine/runtime/spec/resources.ts), so a restarted instance ends up where a resized one is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isCgroupV2 } from '../../engine/containers/cgroup-stats.js';
import { FailedPreconditionError } from '../../engine/errors.js';
import { cpuPeriodMicros } from '../../engine/runtime/spec/resources.js';
import type { InstanceLimits } from './instance-limits.js';

const root = '/sys/fs/cgroup';

/** Writes `limits` into cgroup `cgroupsPath` (as given to runc, e.g. `/intermodal/<id>`). */
export function applyCgroupLimits(cgroupsPath: string, limits: InstanceLimits): void {
  if (isCgroupV2()) applyV2(path.join(root, cgroupsPath), limits);
  else applyV1(cgroupsPath, limits);
}

/** Sets the CPUs of cgroup `cgroupsPath` to `cpus` (cpuset list form), or to all its parent has when undefined. */
export function applyCpuset(cgroupsPath: string, cpus: string | undefined): void {
  const dir = isCgroupV2() ? path.join(root, cgroupsPath) : path.join(root, 'cpuset', cgroupsPath);
  requireDir(dir);
  // v2: an empty cpuset.cpus means "the parent's"; v1 needs the parent's list written out.
  const all = isCgroupV2() ? '' : fs.readFileSync(path.join(path.dirname(dir), 'cpuset.cpus'), 'utf8').trim();
  fs.writeFileSync(path.join(dir, 'cpuset.cpus'), cpus ?? all);
}

function applyV1(cgroupsPath: string, limits: InstanceLimits): void {
  const memory = path.join(root, 'memory', cgroupsPath);
  const cpu = path.join(root, 'cpu', cgroupsPath);
  requireDir(memory);
  // memory+swap may never be below memory: when growing raise memsw first, when
  // shrinking lower memory first. Without swap accounting the memsw file is absent.
  const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
  const hasMemsw = fs.existsSync(memsw);
  const current = Number(fs.readFileSync(path.join(memory, 'memory.limit_in_bytes'), 'utf8').trim());
  const memoryFile = path.join(memory, 'memory.limit_in_bytes');
  if (limits.memoryBytes > current) {
    if (hasMemsw) write(memsw, limits.memoryBytes);
    write(memoryFile, limits.memoryBytes);
  } else {
    write(memoryFile, limits.memoryBytes);
    if (hasMemsw) write(memsw, limits.memoryBytes);
  }
  write(path.join(cpu, 'cpu.cfs_period_us'), cpuPeriodMicros);
  write(path.join(cpu, 'cpu.cfs_quota_us'), quotaMicros(limits.cpus));
  write(path.join(cpu, 'cpu.shares'), limits.cpuShares);
}

function applyV2(dir: string, limits: InstanceLimits): void {
  requireDir(dir);
  write(path.join(dir, 'memory.max'), limits.memoryBytes);
  // v2 counts swap apart from memory: no swap, as on v1 with memsw equal to memory.
  if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), 0);
  fs.writeFileSync(path.join(dir, 'cpu.max'), `${quotaMicros(limits.cpus)} ${cpuPeriodMicros}`);
  // runc's conversion of v1 shares (2..262144) to v2 weight (1..10000).
  write(path.join(dir, 'cpu.weight'), 1 + Math.floor(((limits.cpuShares - 2) * 9999) / 262_142));
}

function quotaMicros(cpus: number): number {
  return Math.max(1000, Math.round(cpus * cpuPeriodMicros));
}

function requireDir(dir: string): void {
  if (!fs.existsSync(dir)) throw new FailedPreconditionError(`the instance's cgroup ${dir} does not exist; is it running?`);
}

function write(file: string, value: number): void {
  try {
    fs.writeFileSync(file, String(value));
  } catch (err) {
    // EBUSY: the kernel could not reclaim enough memory to fit under the new limit.
    if ((err as NodeJS.ErrnoException).code === 'EBUSY') throw new FailedPreconditionError(`cannot set ${path.basename(file)} to ${value}: the instance uses more than that and it cannot be reclaimed`, { cause: err });
    throw err;
  }
}
