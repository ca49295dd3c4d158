/** Mounts as data, and the one place that performs and undoes them. */
export type { Mount } from './mount.js';
export { mountAll } from './mount-all.js';
export { unmount } from './unmount.js';
export { isMountPoint, mountsUnder, readMountInfo, type MountInfo } from './mountinfo.js';
