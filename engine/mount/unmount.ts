/** Undoing one mount, tolerating one that is not there. */
import { hasErrno } from '../errors.js';
import { MountFlags, sys } from '../sys/index.js';

/**
 * Unmounts the top-most mount at `target`. Returns quietly when nothing is mounted there
 * (EINVAL) or the path is gone (ENOENT), so that teardown can be retried after a crash.
 */
export function unmount(target: string): void {
  try {
    sys.umount(target, 0);
  } catch (err) {
    if (hasErrno(err, 'EINVAL') || hasErrno(err, 'ENOENT')) return;
    if (!hasErrno(err, 'EBUSY')) throw err;
    // EBUSY: a process still has a file open or its cwd in there (a `docker exec` shell
    // that outlived its container, a stray `cd`). Removal cannot wait for it, so detach
    // the mount from the tree now; the kernel frees it when the last user lets go. This is
    // a fallback only: a plain unmount reports real errors, and a lazy one hides them.
    sys.umount(target, MountFlags.MNT_DETACH);
  }
}
