/**
 * Performs and undoes mounts described as data. Every mount the engine makes goes through
 * here, so that what is mounted can always be found and undone in one place.
 */
import fs from 'node:fs';
import { hasErrno, InvalidArgumentError } from '../errors.js';
import { MountFlags, sys } from '../sys/index.js';
import type { Mount } from './mount.js';

/** Mounts each of `mounts` on `target`, in order; on failure undoes the ones it made. */
export function mountAll(mounts: Mount[], target: string): void {
  let done = 0;
  try {
    for (const mount of mounts) {
      mountOne(mount, target);
      done++;
    }
  } catch (err) {
    for (let i = 0; i < done; i++) unmount(target);
    throw err;
  }
}

function mountOne(mount: Mount, target: string): void {
  if (mount.type === 'overlay') {
    const lowers: string[] = [];
    let upper: string | null = null;
    let work: string | null = null;
    const rest: string[] = [];
    for (const option of mount.options) {
      if (option.startsWith('lowerdir=')) lowers.push(...option.slice('lowerdir='.length).split(':'));
      else if (option.startsWith('upperdir=')) upper = option.slice('upperdir='.length);
      else if (option.startsWith('workdir=')) work = option.slice('workdir='.length);
      else rest.push(option);
    }
    if (lowers.length === 0) throw new InvalidArgumentError('overlay mount without lowerdir');
    sys.overlayMount(target, lowers, upper, work, rest.join(','));
    return;
  }
  if (mount.type === 'bind' || mount.options.includes('bind') || mount.options.includes('rbind')) {
    const recursive = mount.options.includes('rbind');
    sys.mount(mount.source, target, 'none', MountFlags.MS_BIND | (recursive ? MountFlags.MS_REC : 0), null);
    // A bind mount ignores MS_RDONLY on the first call; read-only takes a remount.
    const flags = optionFlags(mount.options);
    if (flags !== 0) sys.mount('none', target, 'none', MountFlags.MS_BIND | MountFlags.MS_REMOUNT | flags, null);
    return;
  }
  const data = mount.options.filter((o) => !(o in flagOptions)).join(',');
  sys.mount(mount.source, target, mount.type, optionFlags(mount.options), data || null);
}

const flagOptions: Record<string, number> = {
  ro: MountFlags.MS_RDONLY,
  nosuid: MountFlags.MS_NOSUID,
  nodev: MountFlags.MS_NODEV,
  noexec: MountFlags.MS_NOEXEC,
  bind: 0,
  rbind: 0,
  rw: 0,
};

function optionFlags(options: string[]): number {
  return options.reduce((flags, o) => flags | (flagOptions[o] ?? 0), 0);
}

/**
 * Unmounts `target`; resolves when nothing is mounted there. A busy mount (a process still
 * has its cwd inside) is detached lazily instead: it disappears from the tree now and is
 * freed by the kernel when the last user lets go, which is what removal needs.
 */
export function unmount(target: string): void {
  try {
    sys.umount(target, 0);
  } catch (err) {
    if (hasErrno(err, 'EINVAL') || hasErrno(err, 'ENOENT')) return;
    if (hasErrno(err, 'EBUSY')) {
      sys.umount(target, MountFlags.MNT_DETACH);
      return;
    }
    throw err;
  }
}

/** Mount points at or below `dir`, deepest last, from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((target): target is string => target !== undefined && (target === dir || target.startsWith(prefix)));
}

/** True when something is mounted exactly at `target`. */
export function isMountPoint(target: string): boolean {
  return mountsUnder(target).includes(target);
}
