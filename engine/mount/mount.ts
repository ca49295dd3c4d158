/**
 * A mount to perform, as data. Snapshotters return these and only this folder performs
 * them, so that every mount the engine makes goes through one place.
 */
export interface Mount {
  /** Filesystem type: 'overlay', 'bind', 'tmpfs', ... */
  type: string;
  /** What is mounted: 'overlay' for overlayfs, a path for bind mounts. */
  source: string;
  /** Mount options as `mount -o` takes them (lowerdir=..., upperdir=..., ro, ...). */
  options: string[];
}
