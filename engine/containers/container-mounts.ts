/**
 * Turns a container's volumes, binds and tmpfs into OCI mounts, creating the volumes it
 * names (and anonymous ones for the image's VOLUME declarations) and seeding an empty
 * volume from the image's content at its mount point, as Docker does on first use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { OciMount } from '../runtime/spec/oci-spec.js';
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

/** The OCI mounts for binds, volumes and tmpfs; seeds empty volumes from `rootfs`. */
export function ociMounts(volumes: VolumeStore, rootfs: string, binds: MountSpec[], uses: VolumeUse[], tmpfs: { destination: string; options: string[] }[]): OciMount[] {
  const mounts: OciMount[] = [];
  for (const bind of binds) {
    if (!fs.existsSync(bind.source)) throw new InvalidArgumentError(`bind mount source '${bind.source}' does not exist`);
    mounts.push({ destination: bind.destination, type: 'bind', source: bind.source, options: ['rbind', 'rprivate', bind.readOnly ? 'ro' : 'rw'] });
  }
  for (const use of uses) {
    const volume = volumes.get(use.volume);
    seedVolume(volume.mountpoint, rootfs, use.destination);
    mounts.push({ destination: use.destination, type: 'bind', source: volume.mountpoint, options: ['rbind', 'rprivate', use.readOnly ? 'ro' : 'rw'] });
  }
  for (const t of tmpfs) {
    mounts.push({ destination: t.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...t.options] });
  }
  return mounts;
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
