/**
 * Volumes: directories under the data dir that outlive containers. Named volumes are made
 * by `volume create` or on first use; anonymous ones for an image's VOLUME declarations,
 * removed with their container by `rm -v`. A volume made with a size is a filesystem of
 * that size (volume-filesystem.ts) mounted on its data directory while the volume exists.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { EngineDatabase } from '../metadata/database.js';
import { backingFile, checkVolumeSize, formatVolume, growVolume, mountVolume, unmountVolume } from './volume-filesystem.js';

/** A volume as listed. */
export interface Volume {
  name: string;
  /** Absolute path of the volume's data. */
  mountpoint: string;
  anonymous: boolean;
  labels: Record<string, string>;
  createdAt: Date;
  /** The size of a sized volume, bytes; absent for a plain directory. */
  sizeBytes?: number;
}

interface VolumeRow {
  name: string;
  dir: string;
  anonymous: number;
  labels: string;
  created_at: number;
}

const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Named and anonymous volumes. */
export class VolumeStore {
  constructor(private readonly db: EngineDatabase, private readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  }

  /** Creates a volume; a name that exists is AlreadyExistsError unless `reuse`. */
  create(name?: string, options: { labels?: Record<string, string>; reuse?: boolean; anonymous?: boolean; sizeBytes?: number } = {}): Volume {
    const volumeName = name ?? crypto.randomBytes(32).toString('hex');
    if (!namePattern.test(volumeName)) throw new InvalidArgumentError(`invalid volume name '${volumeName}': use letters, digits, '_', '.' and '-'`);
    const existing = this.find(volumeName);
    if (existing) {
      if (options.reuse) return existing;
      throw new AlreadyExistsError(`volume '${volumeName}' already exists`);
    }
    if (options.sizeBytes !== undefined) checkVolumeSize(options.sizeBytes);
    const dir = path.join(this.root, volumeName, '_data');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (options.sizeBytes !== undefined) {
      try {
        formatVolume(dir, options.sizeBytes);
        mountVolume(dir);
      } catch (err) {
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        throw err;
      }
    }
    this.db
      .prepare('INSERT OR IGNORE INTO volumes (name, dir, anonymous, labels, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(volumeName, path.relative(this.root, dir), options.anonymous ? 1 : 0, JSON.stringify(options.labels ?? {}), Date.now());
    return this.get(volumeName);
  }

  /** The volume, or undefined. */
  find(name: string): Volume | undefined {
    const row = this.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as VolumeRow | undefined;
    return row && this.record(row);
  }

  /** The volume; NotFoundError if absent. */
  get(name: string): Volume {
    const volume = this.find(name);
    if (!volume) throw new NotFoundError(`volume '${name}' not found`);
    return volume;
  }

  /** Every volume, by name. */
  list(): Volume[] {
    return (this.db.prepare('SELECT * FROM volumes ORDER BY name').all() as VolumeRow[]).map((r) => this.record(r));
  }

  /** Containers that mount the volume. */
  users(name: string): string[] {
    return (this.db.prepare('SELECT container_id FROM container_volumes WHERE volume = ?').all(name) as { container_id: string }[]).map((r) => r.container_id);
  }

  /** Where a container mounts which volume. */
  usesOf(containerId: string): Array<{ volume: string; destination: string }> {
    return this.db.prepare('SELECT volume, destination FROM container_volumes WHERE container_id = ?').all(containerId) as { volume: string; destination: string }[];
  }

  /** Where each container that uses the volume mounts it. */
  attachments(name: string): Array<{ containerId: string; destination: string }> {
    return (this.db.prepare('SELECT container_id, destination FROM container_volumes WHERE volume = ?').all(name) as { container_id: string; destination: string }[])
      .map((r) => ({ containerId: r.container_id, destination: r.destination }));
  }

  /** Records that a container mounts the volume at `destination`. */
  addUse(containerId: string, name: string, destination: string): void {
    this.db.prepare('INSERT INTO container_volumes (container_id, volume, destination) VALUES (?, ?, ?)').run(containerId, name, destination);
  }

  /** Forgets a container's use of the volume. */
  removeUse(containerId: string, name: string): void {
    this.db.prepare('DELETE FROM container_volumes WHERE container_id = ? AND volume = ?').run(containerId, name);
  }

  /** Removes a volume and its data; refused while a container uses it unless `force`. */
  remove(name: string, options: { force?: boolean } = {}): void {
    const volume = this.get(name);
    const users = this.users(name);
    if (users.length > 0 && !options.force) throw new FailedPreconditionError(`volume '${name}' is in use by container ${users[0]!.slice(0, 12)}`);
    // Unmounted first: a failure leaves the volume listed, and its data is never removed through a mount.
    if (volume.sizeBytes !== undefined) unmountVolume(volume.mountpoint);
    this.db.prepare('DELETE FROM container_volumes WHERE volume = ?').run(name);
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    fs.rmSync(path.dirname(volume.mountpoint), { recursive: true, force: true });
  }

  /** Replaces a volume's labels. */
  setLabels(name: string, labels: Record<string, string>): Volume {
    this.get(name);
    this.db.prepare('UPDATE volumes SET labels = ? WHERE name = ?').run(JSON.stringify(labels), name);
    return this.get(name);
  }

  /** Grows a sized volume to `sizeBytes`; containers that mount it see the new size at once (volume-filesystem.ts). */
  grow(name: string, sizeBytes: number): Volume {
    const volume = this.get(name);
    if (volume.sizeBytes === undefined) throw new FailedPreconditionError(`volume '${name}' is a directory without a size`);
    growVolume(volume.mountpoint, sizeBytes, this.users(name).length > 0);
    return this.get(name);
  }

  /**
   * The directory to mount into a container: a sized volume's filesystem is mounted again
   * first if it is not (the host restarted since it was made).
   */
  ready(name: string): Volume {
    const volume = this.get(name);
    if (volume.sizeBytes !== undefined) mountVolume(volume.mountpoint);
    return volume;
  }

  private record(row: VolumeRow): Volume {
    const mountpoint = path.join(this.root, row.dir);
    let sizeBytes: number | undefined;
    try {
      sizeBytes = fs.statSync(backingFile(mountpoint)).size;
    } catch {
      // A plain directory volume.
    }
    return { name: row.name, mountpoint, anonymous: row.anonymous === 1, labels: JSON.parse(row.labels) as Record<string, string>, createdAt: new Date(row.created_at), ...(sizeBytes !== undefined && { sizeBytes }) };
  }
}
