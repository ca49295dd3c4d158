/**
 * A container's resource figures read straight from its cgroup, on cgroup v1 (one
 * hierarchy per controller) or v2 (one unified hierarchy): what `stats` and `top` show.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Figures of one cgroup at one moment. */
export interface CgroupStats {
  /** Total CPU time used, nanoseconds. */
  cpuNanos: number;
  memoryBytes: number;
  /** The hard limit, or undefined when unlimited. */
  memoryLimitBytes?: number;
  pids: number;
  pidsLimit?: number;
  /** CFS quota and period in microseconds, when a CPU limit is set. */
  cpuQuota?: { quotaMicros: number; periodMicros: number };
  /** How many times the OOM killer acted in this cgroup. */
  oomKills: number;
}

const root = '/sys/fs/cgroup';

/** True on a unified (v2-only) hierarchy. */
export function isCgroupV2(): boolean {
  return fs.existsSync(path.join(root, 'cgroup.controllers'));
}

/** Reads the stats of cgroup `cgroupsPath` (as given to runc, e.g. `/intermodal/<id>`); undefined when it is gone. */
export function readCgroupStats(cgroupsPath: string): CgroupStats | undefined {
  return isCgroupV2() ? readV2(path.join(root, cgroupsPath)) : readV1(cgroupsPath);
}

/** Process ids in the cgroup (for `top`). */
export function cgroupPids(cgroupsPath: string): number[] {
  const file = isCgroupV2() ? path.join(root, cgroupsPath, 'cgroup.procs') : path.join(root, 'pids', cgroupsPath, 'cgroup.procs');
  const text = readText(file);
  return text === undefined ? [] : text.split('\n').filter(Boolean).map(Number);
}

function readV1(cgroupsPath: string): CgroupStats | undefined {
  const dir = (controller: string): string => path.join(root, controller, cgroupsPath);
  const memory = readNumber(path.join(dir('memory'), 'memory.usage_in_bytes'));
  if (memory === undefined) return undefined;
  const limit = readNumber(path.join(dir('memory'), 'memory.limit_in_bytes'));
  const quota = readNumber(path.join(dir('cpu'), 'cpu.cfs_quota_us'));
  const period = readNumber(path.join(dir('cpu'), 'cpu.cfs_period_us'));
  const pidsMax = readText(path.join(dir('pids'), 'pids.max'))?.trim();
  const oom = /oom_kill (\d+)/.exec(readText(path.join(dir('memory'), 'memory.oom_control')) ?? '');
  return {
    cpuNanos: readNumber(path.join(dir('cpuacct'), 'cpuacct.usage')) ?? 0,
    memoryBytes: memory,
    // v1 reports "unlimited" as a huge page-aligned number.
    ...(limit !== undefined && limit < 2 ** 62 && { memoryLimitBytes: limit }),
    pids: readNumber(path.join(dir('pids'), 'pids.current')) ?? 0,
    ...(pidsMax !== undefined && pidsMax !== 'max' && { pidsLimit: Number(pidsMax) }),
    ...(quota !== undefined && quota > 0 && period !== undefined && { cpuQuota: { quotaMicros: quota, periodMicros: period } }),
    oomKills: oom ? Number(oom[1]) : 0,
  };
}

function readV2(dir: string): CgroupStats | undefined {
  const memory = readNumber(path.join(dir, 'memory.current'));
  if (memory === undefined) return undefined;
  const max = readText(path.join(dir, 'memory.max'))?.trim();
  const cpuMax = readText(path.join(dir, 'cpu.max'))?.trim().split(' ');
  const pidsMax = readText(path.join(dir, 'pids.max'))?.trim();
  const usage = /usage_usec (\d+)/.exec(readText(path.join(dir, 'cpu.stat')) ?? '');
  const oom = /oom_kill (\d+)/.exec(readText(path.join(dir, 'memory.events')) ?? '');
  return {
    cpuNanos: usage ? Number(usage[1]) * 1000 : 0,
    memoryBytes: memory,
    ...(max !== undefined && max !== 'max' && { memoryLimitBytes: Number(max) }),
    pids: readNumber(path.join(dir, 'pids.current')) ?? 0,
    ...(pidsMax !== undefined && pidsMax !== 'max' && { pidsLimit: Number(pidsMax) }),
    ...(cpuMax && cpuMax[0] !== 'max' && { cpuQuota: { quotaMicros: Number(cpuMax[0]), periodMicros: Number(cpuMax[1]) } }),
    oomKills: oom ? Number(oom[1]) : 0,
  };
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(file: string): number | undefined {
  const text = readText(file);
  return text === undefined ? undefined : Number(text.trim());
}
