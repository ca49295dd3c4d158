/** Mounts as data, and the one place that performs them. */
export type { Mount } from './mount.js';
export { isMountPoint, mountAll, mountsUnder, unmount } from './mount-all.js';
