/**
 * Mounting and unmounting a container's root filesystem (its overlay snapshot).
 *
 * The overlay is mounted `volatile`: overlayfs then never syncs its upper layer, and in
 * particular not at unmount, where it would otherwise sync the whole filesystem the upper
 * dir lives on (here the root filesystem: 100+ ms per unmount, and more the busier the
 * disk). What that gives up is the durability of a container's writable layer across a
 * power loss or kernel crash, where writes the container made but never fsync'd may be
 * lost; a container's own fsync still works, and a crash of our process loses nothing,
 * since the page cache survives it. Docker syncs at unmount; Podman offers volatile too.
 *
 * overlayfs leaves a `work/incompat/volatile` marker in the work dir and refuses to mount
 * it again while the marker exists. It is removed after each unmount, and before each
 * mount too (a crash of our process between the two leaves it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Mount, mountAll, mountsUnder, unmount } from '../mount/index.js';
import { mountIdmappedRootfs } from './idmapped-rootfs.js';

/** Mounts `mounts` (a snapshot's) on `rootfs`; with `idmapScratch`, idmapped for --userns (idmapped-rootfs.ts). */
export function mountRootfs(mounts: readonly Mount[], rootfs: string, idmapScratch?: string): void {
  const volatile = mounts.map((m) => (m.type === 'overlay' ? { ...m, options: [...m.options, 'volatile'] } : m));
  for (const marker of volatileMarkers(mounts)) fs.rmSync(marker, { recursive: true, force: true });
  if (idmapScratch !== undefined) mountIdmappedRootfs(volatile, rootfs, idmapScratch);
  else mountAll(volatile, rootfs);
}

/** Unmounts `rootfs` if an overlay is mounted there, then clears its volatile marker. */
export function unmountRootfs(rootfs: string): void {
  const resolved = path.resolve(rootfs);
  const mounted = mountsUnder(resolved).filter((m) => m.mountPoint === resolved);
  if (mounted.length === 0) return;
  unmount(resolved);
  if (mounted.length > 1) return; // Something was stacked there; only the top one is gone.
  for (const marker of volatileMarkers([{ type: mounted[0]!.fsType, source: mounted[0]!.source, options: mounted[0]!.superOptions }])) {
    fs.rmSync(marker, { recursive: true, force: true });
  }
}

function volatileMarkers(mounts: readonly Mount[]): string[] {
  return mounts
    .filter((m) => m.type === 'overlay')
    .flatMap((m) => m.options.filter((o) => o.startsWith('workdir=')).map((o) => path.join(o.slice('workdir='.length), 'work', 'incompat', 'volatile')));
}
