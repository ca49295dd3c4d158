/** The snapshotter contract. */
export type { Change, SnapshotInfo, SnapshotOptions, Snapshotter } from './snapshotter.js';
