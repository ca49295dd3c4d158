/**
 * Snapshotter: `key` names a snapshot (an `active` one is writable, a `view` read-only) made
 * over a `parent`, the chain ID of the image's top layer; the layers themselves belong to
 * the layer store. A container's root filesystem is the active snapshot prepared under the
 * container's id; `diff` lists what the container changed and `upperDir` is what `commit`
 * turns into a new layer.
 *
 * Lifecycle: prepare (or view) → mount the returned mounts → ... → unmount → remove.
 */
import type { Mount } from '../mount/mount.js';

/** One change in a snapshot against its parent, as `docker diff` prints it. */
export interface Change {
  /** A added, C changed, D deleted. */
  kind: 'A' | 'C' | 'D';
  /** Absolute path inside the container: `/etc/hosts`. */
  path: string;
}

/** What is known about a snapshot. */
export interface SnapshotInfo {
  key: string;
  kind: 'active' | 'view';
  /** Chain ID of the top layer below it; undefined for a snapshot on an empty rootfs. */
  parent?: string;
  /** The image the snapshot was made from, which keeps that image from removal. */
  imageId?: string;
  labels: Record<string, string>;
  createdAt: Date;
}

/** Options for prepare and view. */
export interface SnapshotOptions {
  imageId?: string;
  labels?: Record<string, string>;
}

/** Creates, describes and removes snapshots; mounts nothing itself. */
export interface Snapshotter {
  /** Creates an active snapshot on `parent`; fails with AlreadyExistsError if `key` exists. */
  prepare(key: string, parent?: string, options?: SnapshotOptions): Promise<Mount[]>;
  /** Creates a read-only snapshot of `parent`; fails with AlreadyExistsError if `key` exists. */
  view(key: string, parent: string, options?: SnapshotOptions): Promise<Mount[]>;
  /** The mounts of an existing snapshot; NotFoundError if there is none. */
  mounts(key: string): Promise<Mount[]>;
  /** Describes a snapshot; NotFoundError if there is none. */
  stat(key: string): Promise<SnapshotInfo>;
  /** Every snapshot. */
  list(): Promise<SnapshotInfo[]>;
  /** The changes of an active snapshot against its parent, sorted by path. */
  diff(key: string): Promise<Change[]>;
  /** The writable directory of an active snapshot (what a commit exports). */
  upperDir(key: string): Promise<string>;
  /** Removes `key` and its directories, unmounting what is still mounted from it; resolves if it does not exist. */
  remove(key: string): Promise<void>;
}
