/**
 * Turns a container's volumes, binds and tmpfs into OCI mounts, creating the volumes it
 * names (and anonymous ones for the image's VOLUME declarations) and seeding an empty
 * volume from the image's content at its mount point, as Docker does on first use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { BindMount, TmpfsMount } from '../runtime/spec/build-spec.js';
import type { MountSpec } from './container-spec.js';
import type { VolumeStore } from './volume-store.js';

/** A volume a container uses, recorded in container_volumes. */
export interface VolumeUse {
  volume: string;
  destination: string;
  readOnly: boolean;
}

/** Resolves volume mounts to volume names, creating what is missing; image VOLUMEs get anonymous volumes. */
export function resolveVolumes(volumes: VolumeStore, mounts: MountSpec[], imageVolumes: string[]): { uses: VolumeUse[]; created: string[] } {
  const uses: VolumeUse[] = [];
  const created: string[] = [];
  const taken = new Set(mounts.map((m) => m.destination));
  const wanted: MountSpec[] = [
    ...mounts.filter((m) => m.type === 'volume'),
    ...imageVolumes.filter((d) => !taken.has(d)).map((destination): MountSpec => ({ type: 'volume', source: '', destination, readOnly: false })),
  ];
  try {
    for (const mount of wanted) {
      const existed = mount.source !== '' && volumes.find(mount.source) !== undefined;
      const volume = mount.source === '' ? volumes.create(undefined, { anonymous: true }) : volumes.create(mount.source, { reuse: true });
      if (!existed) created.push(volume.name);
      uses.push({ volume: volume.name, destination: mount.destination, readOnly: mount.readOnly });
    }
  } catch (err) {
    for (const name of created) volumes.remove(name, { force: true });
    throw err;
  }
  return { uses, created };
}

/** The bind mounts (binds and volumes) and tmpfs mounts for buildSpec; seeds empty volumes from `rootfs`. */
export function ociMounts(volumes: VolumeStore, rootfs: string, binds: MountSpec[], uses: VolumeUse[], tmpfs: { destination: string; options: string[] }[]): { mounts: BindMount[]; tmpfs: TmpfsMount[] } {
  const mounts: BindMount[] = [];
  for (const bind of binds) {
    if (!fs.existsSync(bind.source)) throw new InvalidArgumentError(`bind mount source '${bind.source}' does not exist`);
    mounts.push({ type: 'bind', source: bind.source, destination: bind.destination, readOnly: bind.readOnly });
  }
  for (const use of uses) {
    const volume = volumes.ready(use.volume);
    seedVolume(volume.mountpoint, rootfs, use.destination);
    mounts.push({ type: 'bind', source: volume.mountpoint, destination: use.destination, readOnly: use.readOnly });
  }
  return { mounts, tmpfs: tmpfs.map((t) => ({ path: t.destination, options: t.options })) };
}

/** Copies the image's files at `destination` into a still-empty volume. */
function seedVolume(volumeDir: string, rootfs: string, destination: string): void {
  if (fs.readdirSync(volumeDir).length > 0) return;
  // Every component must be a real directory inside the image: a symlink (say /var/run ->
  // /run) would otherwise be followed on the host and copy host files into the volume.
  let current = rootfs;
  for (const part of destination.split('/').filter(Boolean)) {
    current = path.join(current, part);
    try {
      if (!fs.lstatSync(current).isDirectory()) return;
    } catch {
      return;
    }
  }
  fs.cpSync(current, volumeDir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}
