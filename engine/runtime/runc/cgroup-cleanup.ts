/**
 * Removing the cgroup of a container whose create was cut short. runc removes a
 * container's cgroup on delete, but only once it has written the container's state: a
 * create killed before that (the create timeout) leaves cgroup directories that no
 * `runc delete` will ever find, possibly still holding runc's half-started init. Those
 * processes belong to the abandoned container, so they are killed; the directories are
 * then removed with rmdir, which the kernel refuses for a cgroup with children.
 */
import fs from 'node:fs';
import path from 'node:path';

const cgroupRoot = '/sys/fs/cgroup';

/** Longest we wait for killed processes to leave the cgroup. */
const drainLimitMs = 5000;

/** Kills what is left in `cgroupsPath` (cgroupfs form, `/intermodal/<id>`) and removes it from every hierarchy. */
export async function removeAbandonedCgroup(cgroupsPath: string): Promise<void> {
  // The systemd driver's `slice:prefix:name` form, and anything climbing out, are not ours to remove.
  if (!cgroupsPath.startsWith('/') || cgroupsPath.includes(':') || cgroupsPath.split('/').includes('..') || path.posix.normalize(cgroupsPath) === '/') return;
  const dirs = hierarchies().map((h) => path.join(h, cgroupsPath)).filter((d) => fs.existsSync(d));
  const deadline = Date.now() + drainLimitMs;
  // A killed process leaves its cgroup only once the kernel has torn it down; there is no
  // event for that on cgroup v1, so this (rare) path polls, briefly and with a bound.
  for (let pids = members(dirs); pids.length > 0 && Date.now() < deadline; pids = members(dirs)) {
    for (const pid of pids) killQuietly(pid);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const dir of dirs) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // Absent, or still in use: either way there is nothing for us to do.
    }
  }
}

function members(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    try {
      for (const line of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
    } catch {
      // Gone already.
    }
  }
  return [...pids];
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Exited meanwhile.
  }
}

/** The cgroup hierarchies: the unified root on cgroup v2, each controller's mount on v1 (and hybrid). */
function hierarchies(): string[] {
  if (fs.existsSync(path.join(cgroupRoot, 'cgroup.controllers'))) return [cgroupRoot];
  try {
    // Co-mounted controllers appear as symlinks (cpu -> cpu,cpuacct); the real directory is enough.
    return fs.readdirSync(cgroupRoot, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(cgroupRoot, e.name));
  } catch {
    return [];
  }
}
