/**
 * Snapshots as overlayfs mounts over the layer store's directories. Each snapshot has a
 * short random directory id under the root, so keys (container ids, names) never become
 * paths:
 *
 *   <id>/upper   the snapshot's writes (active only)
 *   <id>/work    overlayfs scratch, same filesystem as upper (active only)
 *   <id>/merged  a mount point callers may use
 *
 * The layers below are passed in as a `layerDirs` function; the snapshotter never writes
 * to them.
 *
 * Crash safety rests on one invariant: a row always has its directory. prepare makes the
 * directories under `.tmp-<pid>-<id>` and renames them into place inside the transaction
 * that inserts the row, so a crash leaves at most a directory without a row (a temp dir of
 * a dead process, or `<id>` renamed but never committed); remove deletes the row before the
 * directory, leaving the same. `cleanup` removes exactly those.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import { transaction, type EngineDatabase } from '../../metadata/database.js';
import { mountsUnder, unmount, type Mount } from '../../mount/index.js';
import { processIsAlive } from '../../process-alive.js';
import type { Change, SnapshotInfo, SnapshotOptions, Snapshotter } from '../snapshotter.js';
import { overlayDiff } from './overlay-diff.js';
import { overlayOptions } from './overlay-features.js';
import { snapshotInfo, SnapshotTable, type SnapshotRow } from './snapshot-table.js';

/** What the overlay snapshotter needs. */
export interface OverlaySnapshotterOptions {
  /** Directory holding every snapshot's directories (DATA/snapshots); made if missing. */
  root: string;
  db: EngineDatabase;
  /** Unpacked layer directories of a chain, top-most first; NotFoundError for an unknown chain. */
  layerDirs: (chainId: string) => string[];
}

/** The lower dir of snapshots with no parent: overlayfs always needs one. */
const EMPTY = 'empty';
const TEMP = /^\.tmp-(\d+)-/;

/** Snapshots as overlayfs mounts over the layer store's directories. */
export class OverlaySnapshotter implements Snapshotter {
  private readonly root: string;
  private readonly db: EngineDatabase;
  private readonly table: SnapshotTable;
  private readonly layerDirs: (chainId: string) => string[];
  private readonly emptyDir: string;

  constructor(options: OverlaySnapshotterOptions) {
    fs.mkdirSync(options.root, { recursive: true, mode: 0o700 });
    // Resolved once: mountinfo shows real paths, and removal must recognise every mount
    // under a snapshot before it deletes recursively, or it would delete through one.
    this.root = fs.realpathSync(options.root);
    this.db = options.db;
    this.table = new SnapshotTable(options.db);
    this.layerDirs = options.layerDirs;
    this.emptyDir = path.join(this.root, EMPTY);
    fs.mkdirSync(this.emptyDir, { recursive: true, mode: 0o755 });
  }

  async prepare(key: string, parent?: string, options: SnapshotOptions = {}): Promise<Mount[]> {
    return this.create('active', key, parent, options);
  }

  async view(key: string, parent: string, options: SnapshotOptions = {}): Promise<Mount[]> {
    return this.create('view', key, parent, options);
  }

  async mounts(key: string): Promise<Mount[]> {
    const row = this.row(key);
    return this.mountsOf(row.kind, row.id, this.lowersOf(row.parent));
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return snapshotInfo(this.row(key));
  }

  async list(): Promise<SnapshotInfo[]> {
    return this.table.all().map(snapshotInfo);
  }

  async diff(key: string): Promise<Change[]> {
    const row = this.activeRow(key);
    return overlayDiff(path.join(this.root, row.id, 'upper'), row.parent !== null ? this.layerDirs(row.parent) : []);
  }

  async upperDir(key: string): Promise<string> {
    return path.join(this.root, this.activeRow(key).id, 'upper');
  }

  /** The `merged` directory reserved as this snapshot's mount point; callers may mount elsewhere. */
  async mountPoint(key: string): Promise<string> {
    return path.join(this.root, this.row(key).id, 'merged');
  }

  async remove(key: string): Promise<void> {
    const row = this.table.get(key);
    if (!row) return;
    const dir = path.join(this.root, row.id);
    unmountFrom(dir);
    // Row first: a crash between the two leaves a directory without a row, which cleanup finds.
    this.table.delete(key);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Removes what a crash left: directories under the root that no row names, unmounting
   * whatever is mounted from them first. Temp dirs of live processes are theirs and stay.
   * Run at start-up; returns the directory names it removed.
   */
  async cleanup(): Promise<string[]> {
    // Under the write lock, so that no prepare is between its rename and its commit, which
    // would make its new directory look like an orphan.
    return transaction(this.db, () => {
      const ids = this.table.ids();
      const removed: string[] = [];
      for (const name of fs.readdirSync(this.root)) {
        if (name === EMPTY || ids.has(name)) continue;
        const pid = Number(TEMP.exec(name)?.[1]);
        // Our own temp dirs are not in progress: prepare runs to its end without yielding.
        if (pid && pid !== process.pid && processIsAlive(pid)) continue;
        const dir = path.join(this.root, name);
        unmountFrom(dir);
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(name);
      }
      return removed;
    });
  }

  private create(kind: 'active' | 'view', key: string, parent: string | undefined, options: SnapshotOptions): Mount[] {
    if (key.length === 0 || key.length > 255) throw new InvalidArgumentError(`snapshot key '${key}' must be 1 to 255 characters`);
    if (kind === 'view' && parent === undefined) throw new InvalidArgumentError(`view '${key}' needs a parent`);
    if (this.table.get(key)) throw new AlreadyExistsError(`snapshot '${key}' already exists`);
    const lowers = this.lowersOf(parent ?? null); // NotFoundError before anything is made
    const id = crypto.randomBytes(6).toString('hex');
    const tmp = path.join(this.root, `.tmp-${process.pid}-${id}`);
    const dir = path.join(this.root, id);
    let renamed = false;
    try {
      fs.mkdirSync(tmp, { mode: 0o711 });
      if (kind === 'active') {
        makeUpper(path.join(tmp, 'upper'), lowers[0]!);
        fs.mkdirSync(path.join(tmp, 'work'), { mode: 0o700 });
      }
      fs.mkdirSync(path.join(tmp, 'merged'), { mode: 0o755 });
      const row: SnapshotRow = {
        key, id, kind,
        parent: parent ?? null,
        image_id: options.imageId ?? null,
        labels: JSON.stringify(options.labels ?? {}),
        created_at: Date.now(),
      };
      transaction(this.db, () => {
        this.table.insert(row); // AlreadyExistsError if another process won the key
        fs.renameSync(tmp, dir);
        renamed = true;
      });
    } catch (err) {
      fs.rmSync(renamed ? dir : tmp, { recursive: true, force: true });
      throw err;
    }
    return this.mountsOf(kind, id, lowers);
  }

  /** Lower dirs for a parent, top-most first; the shared empty dir for none. */
  private lowersOf(parent: string | null): string[] {
    if (parent === null) return [this.emptyDir];
    const lowers = this.layerDirs(parent);
    if (lowers.length === 0) throw new NotFoundError(`layer chain '${parent}' has no layers`);
    return lowers;
  }

  private mountsOf(kind: 'active' | 'view', id: string, lowers: string[]): Mount[] {
    if (kind === 'view') {
      // overlayfs with no upper dir needs two lowers; a single layer is a read-only bind.
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0]!, options: ['bind', 'ro'] }];
      return [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }];
    }
    const dir = path.join(this.root, id);
    return [{
      type: 'overlay',
      source: 'overlay',
      options: [`lowerdir=${lowers.join(':')}`, `upperdir=${dir}/upper`, `workdir=${dir}/work`, ...overlayOptions()],
    }];
  }

  private row(key: string): SnapshotRow {
    const row = this.table.get(key);
    if (!row) throw new NotFoundError(`snapshot '${key}' not found`);
    return row;
  }

  private activeRow(key: string): SnapshotRow {
    const row = this.row(key);
    if (row.kind !== 'active') throw new FailedPreconditionError(`snapshot '${key}' is a read-only view`);
    return row;
  }
}

/**
 * Makes the upper dir with the mode and owner of the top layer's root: overlayfs shows the
 * upper dir's attributes as the container's `/`, and an image may want other than 0755 root.
 */
function makeUpper(upper: string, topLower: string): void {
  const st = fs.statSync(topLower);
  fs.mkdirSync(upper);
  // mkdir's mode is filtered by the umask; chmod is not.
  fs.chmodSync(upper, st.mode & 0o7777);
  if (st.uid !== process.geteuid?.() || st.gid !== process.getegid?.()) fs.chownSync(upper, st.uid, st.gid);
}

/**
 * Unmounts everything mounted inside `dir` and any overlay using its directories that is
 * mounted elsewhere, deepest and latest first. After this a recursive delete of `dir` cannot
 * reach into a mounted filesystem.
 */
function unmountFrom(dir: string): void {
  for (const m of mountsUnder(dir, true).reverse()) unmount(m.mountPoint);
}
