/**
 * Overlayfs snapshots. Each snapshot has a short random directory id under the root:
 * `<id>/upper` (its writes), `<id>/work` (overlayfs scratch) and `<id>/merged` (a mount
 * point callers may use). The layers below belong to the layer store and are passed in as
 * a `layerDirs` function, so the snapshotter never writes to them.
 *
 * Crash safety: directories are made under `.tmp-<pid>-<id>` and renamed into place only
 * after the row is committed, so a crash leaves either a temp dir of a dead process or a
 * row whose directory is still under its temp name; `cleanup` settles both.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../../errors.js';
import type { EngineDatabase } from '../../metadata/database.js';
import type { Mount } from '../../mount/mount.js';
import { mountsUnder, unmount } from '../../mount/mount-all.js';
import { processIsAlive } from '../../process-alive.js';
import type { Change, SnapshotInfo, SnapshotOptions, Snapshotter } from '../snapshotter.js';
import { overlayDiff } from './overlay-diff.js';

/** What the overlay snapshotter needs. */
export interface OverlaySnapshotterOptions {
  /** Directory holding every snapshot's directories. */
  root: string;
  db: EngineDatabase;
  /** Unpacked layer directories of a chain, top-most first; NotFoundError for an unknown chain. */
  layerDirs: (chainId: string) => string[];
}

interface SnapshotRow {
  key: string;
  id: string;
  kind: 'active' | 'view';
  parent: string | null;
  image_id: string | null;
  labels: string;
  created_at: number;
}

/** Snapshots as overlayfs mounts over the layer store's directories. */
export class OverlaySnapshotter implements Snapshotter {
  private readonly root: string;
  private readonly db: EngineDatabase;
  private readonly layerDirs: (chainId: string) => string[];
  /** Lower dir for snapshots with no parent: overlayfs always needs one. */
  private readonly emptyDir: string;

  constructor(options: OverlaySnapshotterOptions) {
    this.root = options.root;
    this.db = options.db;
    this.layerDirs = options.layerDirs;
    this.emptyDir = path.join(this.root, 'empty');
    fs.mkdirSync(this.emptyDir, { recursive: true, mode: 0o700 });
  }

  async prepare(key: string, parent?: string, options: SnapshotOptions = {}): Promise<Mount[]> {
    return this.create('active', key, parent, options);
  }

  async view(key: string, parent: string, options: SnapshotOptions = {}): Promise<Mount[]> {
    return this.create('view', key, parent, options);
  }

  async mounts(key: string): Promise<Mount[]> {
    return this.mountsOf(this.row(key));
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return info(this.row(key));
  }

  async list(): Promise<SnapshotInfo[]> {
    return (this.db.prepare('SELECT * FROM snapshots ORDER BY created_at').all() as SnapshotRow[]).map(info);
  }

  async diff(key: string): Promise<Change[]> {
    const row = this.activeRow(key);
    return overlayDiff(path.join(this.root, row.id, 'upper'), row.parent !== null ? this.layerDirs(row.parent) : []);
  }

  async upperDir(key: string): Promise<string> {
    return path.join(this.root, this.activeRow(key).id, 'upper');
  }

  /** The `merged` mount point reserved for this snapshot (callers may mount elsewhere). */
  async mountPoint(key: string): Promise<string> {
    return path.join(this.root, this.row(key).id, 'merged');
  }

  async remove(key: string): Promise<void> {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE key = ?').get(key) as SnapshotRow | undefined;
    if (!row) return;
    const dir = path.join(this.root, row.id);
    // Deepest first: anything mounted inside merged goes before merged itself.
    for (const target of mountsUnder(dir).reverse()) unmount(target);
    this.db.prepare('DELETE FROM snapshots WHERE key = ?').run(key);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Settles what a crash left: removes directories no row names (unmounting them first),
   * except temp dirs of live processes, and rows whose directory is gone. Returns the
   * directory names it removed.
   */
  async cleanup(): Promise<string[]> {
    const rows = this.db.prepare('SELECT * FROM snapshots').all() as SnapshotRow[];
    const ids = new Set(rows.map((r) => r.id));
    const removed: string[] = [];
    for (const name of fs.readdirSync(this.root)) {
      if (name === 'empty') continue;
      const tmp = /^\.tmp-(\d+)-(.+)$/.exec(name);
      if (tmp && processIsAlive(Number(tmp[1]))) continue;
      if (tmp && ids.has(tmp[2]!) && !fs.existsSync(path.join(this.root, tmp[2]!))) {
        // The row was committed but the rename did not happen: finish it.
        fs.renameSync(path.join(this.root, name), path.join(this.root, tmp[2]!));
        continue;
      }
      if (!tmp && ids.has(name)) continue;
      const dir = path.join(this.root, name);
      for (const target of mountsUnder(dir).reverse()) unmount(target);
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    }
    for (const row of rows) {
      if (!fs.existsSync(path.join(this.root, row.id))) this.db.prepare('DELETE FROM snapshots WHERE key = ?').run(row.key);
    }
    return removed;
  }

  private async create(kind: 'active' | 'view', key: string, parent: string | undefined, options: SnapshotOptions): Promise<Mount[]> {
    if (key.length === 0 || key.length > 255) throw new FailedPreconditionError(`snapshot key '${key}' must be 1 to 255 characters`);
    if (this.db.prepare('SELECT 1 FROM snapshots WHERE key = ?').get(key)) throw new AlreadyExistsError(`snapshot '${key}' already exists`);
    if (parent !== undefined) this.layerDirs(parent); // NotFoundError before anything is made
    const id = crypto.randomBytes(6).toString('hex');
    const tmp = path.join(this.root, `.tmp-${process.pid}-${id}`);
    fs.mkdirSync(tmp, { mode: 0o711 });
    try {
      if (kind === 'active') {
        fs.mkdirSync(path.join(tmp, 'upper'), { mode: 0o755 });
        fs.mkdirSync(path.join(tmp, 'work'), { mode: 0o700 });
      }
      fs.mkdirSync(path.join(tmp, 'merged'), { mode: 0o755 });
      const row: SnapshotRow = { key, id, kind, parent: parent ?? null, image_id: options.imageId ?? null, labels: JSON.stringify(options.labels ?? {}), created_at: Date.now() };
      try {
        this.db
          .prepare('INSERT INTO snapshots (key, id, kind, parent, image_id, labels, created_at) VALUES (@key, @id, @kind, @parent, @image_id, @labels, @created_at)')
          .run(row);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AlreadyExistsError(`snapshot '${key}' already exists`);
        throw err;
      }
      fs.renameSync(tmp, path.join(this.root, id));
      return this.mountsOf(row);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  private mountsOf(row: SnapshotRow): Mount[] {
    const lowers = row.parent !== null ? this.layerDirs(row.parent) : [this.emptyDir];
    const dir = path.join(this.root, row.id);
    if (row.kind === 'view') {
      // overlayfs without an upper dir needs two lowers; one layer is a read-only bind.
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0]!, options: ['rbind', 'ro'] }];
      return [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }];
    }
    return [
      {
        type: 'overlay',
        source: 'overlay',
        // index=off: the inode index would tie the upper dir to these exact lower dirs and
        // refuse a later mount after a layer dir is re-created with the same content.
        options: [`lowerdir=${lowers.join(':')}`, `upperdir=${path.join(dir, 'upper')}`, `workdir=${path.join(dir, 'work')}`, 'index=off'],
      },
    ];
  }

  private row(key: string): SnapshotRow {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE key = ?').get(key) as SnapshotRow | undefined;
    if (!row) throw new NotFoundError(`snapshot '${key}' not found`);
    return row;
  }

  private activeRow(key: string): SnapshotRow {
    const row = this.row(key);
    if (row.kind !== 'active') throw new FailedPreconditionError(`snapshot '${key}' is a read-only view`);
    return row;
  }
}

function info(row: SnapshotRow): SnapshotInfo {
  return {
    key: row.key,
    kind: row.kind,
    ...(row.parent !== null && { parent: row.parent }),
    ...(row.image_id !== null && { imageId: row.image_id }),
    labels: JSON.parse(row.labels) as Record<string, string>,
    createdAt: new Date(row.created_at),
  };
}
