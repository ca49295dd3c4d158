/**
 * The root filesystem of a user-namespaced container (`--userns`). Its root is host uid
 * 100000 (see `usernsRange`), while image layers are stored owned by host uid 0, so through
 * a plain overlay every image file would belong to `nobody` inside and root could not
 * write to them.
 *
 * Why idmapped lower layers, and not a chown'ed copy: each layer directory is cloned as an
 * idmapped mount (on-disk id N seen as 100000+N) and overlayfs is mounted over the clones.
 * That costs one mount per layer at start, copies nothing, and leaves the shared layers as
 * they are for every other container. overlayfs itself cannot be idmapped (mount_setattr
 * refuses it), and an idmapped upper layer fails too: the kernel creates overlay's work
 * directory as host root, an id such a mount cannot store. So the upper layer stays plain,
 * and what the container writes, or copies up, is stored as the host ids it runs as
 * (100000+N), which is what a user sees in the upper dir. overlayfs keeps private clones of
 * its layers, so the idmapped clones are detached as soon as it is mounted: the container
 * holds exactly one mount, like any other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import { type Mount, mountAll } from '../mount/index.js';
import { MountFlags, sys } from '../sys/index.js';

/** The host ids a user-namespaced container's ids 0..size-1 map to. */
export const usernsRange = { hostId: 100000, size: 65536 } as const;

/**
 * Mounts the overlay `mounts` (as a snapshotter returns them) on `rootfs` with every lower
 * layer idmapped to `usernsRange`; `scratch` is an empty directory for the clones while
 * mounting. On failure nothing stays mounted.
 */
export function mountIdmappedRootfs(mounts: readonly Mount[], rootfs: string, scratch: string): void {
  const overlay = mounts.length === 1 && mounts[0]!.type === 'overlay' ? mounts[0]! : undefined;
  if (!overlay) throw new InvalidArgumentError('--userns needs an overlay root filesystem');
  const lowerOption = overlay.options.find((o) => o.startsWith('lowerdir='));
  const upperOption = overlay.options.find((o) => o.startsWith('upperdir='));
  if (!lowerOption) throw new InvalidArgumentError(`overlay mount for '${rootfs}' has no lowerdir`);
  const lowers = lowerOption.slice('lowerdir='.length).split(':');
  checkReachable(rootfs);
  clearScratch(scratch);
  fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
  const clones: string[] = [];
  try {
    for (const [i, lower] of lowers.entries()) {
      const clone = path.join(scratch, String(i));
      fs.mkdirSync(clone);
      sys.idmapClone(lower, clone, usernsRange.hostId, usernsRange.size);
      clones.push(clone);
    }
    // The upper dir's root is the merged root's owner: make it the container's root, as
    // the image's root directory appears through the idmapped layers.
    if (upperOption) {
      const upper = upperOption.slice('upperdir='.length);
      const st = fs.statSync(upper);
      if (st.uid < usernsRange.hostId) fs.chownSync(upper, st.uid + usernsRange.hostId, st.gid + usernsRange.hostId);
    }
    const options = overlay.options.map((o) => (o === lowerOption ? `lowerdir=${clones.join(':')}` : o));
    mountAll([{ ...overlay, options }], rootfs);
  } finally {
    clearScratch(scratch);
  }
}

/**
 * runc sets up the root filesystem from inside the new user namespace, as the container's
 * root (an unprivileged host uid), which needs search permission on every directory above
 * it. The data dir is made 0711 for this; a data dir someone made private is named here
 * rather than left to runc's bare "permission denied".
 */
function checkReachable(rootfs: string): void {
  for (let dir = path.dirname(rootfs); ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) {
      throw new FailedPreconditionError(`--userns needs '${dir}' to be searchable by others (chmod o+x): the container's root, host uid ${usernsRange.hostId}, must reach its root filesystem below it`);
    }
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * Detaches and removes the clone directories under `scratch` (one a crash left included).
 * Never a recursive removal: a clone still mounted there is an image layer.
 */
function clearScratch(scratch: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(scratch);
  } catch {
    return;
  }
  for (const entry of entries) {
    const clone = path.join(scratch, entry);
    try {
      sys.umount(clone, MountFlags.MNT_DETACH);
    } catch {
      // Not mounted (the clone failed, or was detached already).
    }
    fs.rmdirSync(clone);
  }
  fs.rmdirSync(scratch);
}
