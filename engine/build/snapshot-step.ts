/**
 * Steps that write files without running a container (COPY, ADD, WORKDIR): an active
 * snapshot over the current image, mounted only while the step writes, committed as a
 * layer through the same path as `intermodal commit`, then removed. And read-only views of
 * other images, for `COPY --from`. Whatever happens, no snapshot or mount is left behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountRootfs, unmountRootfs } from '../containers/rootfs-mount.js';
import type { Engine } from '../engine.js';
import { commitSnapshot } from '../images/commit-snapshot.js';
import type { ImageRecord } from '../images/image-store.js';
import { mountAll, unmount, isMountPoint } from '../mount/index.js';

/**
 * Mounts a writable snapshot of `image` and calls `write` with its root. When `write`
 * returns true the changes become a new image (history `createdBy`, config `changes`); false discards them
 * and returns undefined.
 */
export async function writeInSnapshot(engine: Engine, image: ImageRecord, commit: { createdBy: string; changes?: string[] }, write: (root: string) => Promise<boolean>): Promise<ImageRecord | undefined> {
  const key = `build-${crypto.randomBytes(8).toString('hex')}`;
  const mounts = await engine.snapshots.prepare(key, image.topLayer, { imageId: image.id, labels: { 'intermodal.build': 'write' } });
  const root = await engine.snapshots.mountPoint(key);
  try {
    mountRootfs(mounts, root);
    let changed: boolean;
    try {
      changed = await write(root);
    } finally {
      unmountRootfs(root);
    }
    return changed ? await commitSnapshot(engine, key, { createdBy: commit.createdBy, changes: commit.changes ?? [] }) : undefined;
  } finally {
    await engine.snapshots.remove(key);
  }
}

/** Mounts `image` read-only and calls `read` with its root; unmounted and removed afterwards. */
export async function readImageFiles<T>(engine: Engine, image: ImageRecord, read: (root: string) => Promise<T>): Promise<T> {
  if (image.topLayer === undefined) {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'intermodal-empty-'));
    try {
      return await read(empty);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }
  const key = `build-view-${crypto.randomBytes(8).toString('hex')}`;
  const mounts = await engine.snapshots.view(key, image.topLayer, { imageId: image.id, labels: { 'intermodal.build': 'read' } });
  const root = await engine.snapshots.mountPoint(key);
  try {
    mountAll(mounts, root);
    try {
      return await read(root);
    } finally {
      while (isMountPoint(root)) unmount(root);
    }
  } finally {
    await engine.snapshots.remove(key);
  }
}
