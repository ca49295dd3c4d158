/**
 * An instance's CPU time and memory read from its cgroup when the daemon runs on this
 * machine. The daemon's one-shot stats call waits for its collector's next tick (up to a
 * second per call on Docker 20.10), too slow for every getInfo; the cgroup files give the
 * same figures at once. The cgroup is found from the container's init process
 * (/proc/<pid>/cgroup), so it does not matter which cgroup driver the daemon uses, and it
 * is only trusted when its path names the container, so a reused pid cannot mislead.
 */
import fs from 'node:fs';
import { isCgroupV2, readCgroupStats } from '../../engine/containers/cgroup-stats.js';
import type { DockerContainer, DockerStats } from './docker-container-info.js';

/** The figures of a live local container, or undefined when they cannot be read here. */
export function localCgroupStats(c: DockerContainer): DockerStats | undefined {
  if (!c.State.Pid) return undefined;
  let lines: string[];
  try {
    lines = fs.readFileSync(`/proc/${c.State.Pid}/cgroup`, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v2 = isCgroupV2();
  const line = lines.find((l) => (v2 ? l.startsWith('0::') : /^\d+:[^:]*\bmemory\b[^:]*:/.test(l)));
  const cgroupPath = line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  if (!cgroupPath || !cgroupPath.includes(c.Id)) return undefined;
  const stats = readCgroupStats(cgroupPath);
  if (!stats) return undefined;
  return { cpu_stats: { cpu_usage: { total_usage: stats.cpuNanos } }, memory_stats: { usage: stats.memoryBytes, ...(stats.memoryLimitBytes !== undefined && { limit: stats.memoryLimitBytes }) } };
}
