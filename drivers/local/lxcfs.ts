/**
 * lxcfs (Debian's `lxcfs`) serves /proc files computed from the cgroup of the process that
 * reads them: a system container with its meminfo, cpuinfo, stat, uptime bound in shows
 * `free` and `top` its flavor's memory and CPUs and its own uptime, not the host's.
 *
 * It is used where Debian's lxcfs service mounts it, /var/lib/lxcfs. When nothing is
 * mounted there and the program is installed, the driver starts it there itself (with
 * --enable-cfs, so CPU quotas count as well as cpusets) and leaves it running: instances
 * hold bind mounts of its files, and restarting the API must not take them away. Without
 * lxcfs, system containers boot all the same and show the host's figures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MountSpec } from '../../engine/containers/container-spec.js';
import { readMountInfo, unmount } from '../../engine/mount/index.js';

/** Debian's mount point for lxcfs. */
export const lxcfsRoot = '/var/lib/lxcfs';

/** The files lxcfs computes per container, bound over the container's own. */
const virtualizedFiles = ['/proc/meminfo', '/proc/cpuinfo', '/proc/stat', '/proc/uptime', '/proc/loadavg', '/proc/diskstats', '/proc/swaps', '/sys/devices/system/cpu/online'];

const programs = ['/usr/bin/lxcfs', '/bin/lxcfs'];

/** Whether an lxcfs is mounted at lxcfsRoot (answering or not). */
function lxcfsMounted(): boolean {
  return readMountInfo().some((m) => m.mountPoint === lxcfsRoot && m.fsType === 'fuse.lxcfs');
}

/** Whether an lxcfs is mounted at lxcfsRoot and answering (a killed one leaves a mount that fails every read). */
export function lxcfsServing(): boolean {
  if (!lxcfsMounted()) return false;
  try {
    fs.statSync(path.join(lxcfsRoot, 'proc', 'meminfo'));
    return true;
  } catch {
    return false;
  }
}

let starting: Promise<boolean> | undefined;

/**
 * Makes sure lxcfs serves at lxcfsRoot, starting it when it is installed and not running;
 * resolves whether it serves. Never rejects: without lxcfs an instance boots all the same.
 */
export function ensureLxcfs(): Promise<boolean> {
  if (lxcfsServing()) return Promise.resolve(true);
  starting ??= startLxcfs().catch(() => false).finally(() => { starting = undefined; });
  return starting;
}

async function startLxcfs(): Promise<boolean> {
  const program = programs.find((p) => fs.existsSync(p));
  if (program === undefined || !fs.existsSync('/dev/fuse')) return false;
  // A killed lxcfs leaves its mount behind, answering ENOTCONN: detach it to mount a live one.
  if (lxcfsMounted()) unmount(lxcfsRoot);
  fs.mkdirSync(lxcfsRoot, { recursive: true });
  // Its own session, no ties to this process: it outlives the API, as the mounts using it do.
  const child = spawn(program, ['--foreground', '--enable-cfs', lxcfsRoot], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(50)) {
    if (lxcfsServing()) return true;
    if (child.exitCode !== null) return false;
  }
  return lxcfsServing();
}

/** Bind mounts of lxcfs's files for a container, or none when lxcfs does not serve. */
export function lxcfsMounts(): MountSpec[] {
  if (!lxcfsServing()) return [];
  return virtualizedFiles
    .filter((file) => fs.existsSync(path.join(lxcfsRoot, file)))
    .map((file) => ({ type: 'bind', source: path.join(lxcfsRoot, file), destination: file, readOnly: false }));
}
