/**
 * The `snapshots` table, with its statements prepared once: the snapshotter's hot path
 * (prepare, remove) runs a handful of them and SQLite's parse is a visible part of that.
 */
import { AlreadyExistsError } from '../../errors.js';
import type { EngineDatabase } from '../../metadata/database.js';
import type { SnapshotInfo } from '../snapshotter.js';

/** A row of the `snapshots` table. */
export interface SnapshotRow {
  key: string;
  /** The snapshot's directory name under the snapshotter's root. */
  id: string;
  kind: 'active' | 'view';
  parent: string | null;
  image_id: string | null;
  /** JSON object of string labels. */
  labels: string;
  /** Milliseconds since the epoch. */
  created_at: number;
}

/** Typed access to the `snapshots` table. */
export class SnapshotTable {
  private readonly selectOne;
  private readonly selectAll;
  private readonly selectIds;
  private readonly insertRow;
  private readonly deleteRow;

  constructor(db: EngineDatabase) {
    this.selectOne = db.prepare<[string], SnapshotRow>('SELECT * FROM snapshots WHERE key = ?');
    this.selectAll = db.prepare<[], SnapshotRow>('SELECT * FROM snapshots ORDER BY created_at, key');
    this.selectIds = db.prepare<[], { id: string }>('SELECT id FROM snapshots');
    this.insertRow = db.prepare<[SnapshotRow]>(
      'INSERT INTO snapshots (key, id, kind, parent, image_id, labels, created_at) VALUES (@key, @id, @kind, @parent, @image_id, @labels, @created_at)',
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM snapshots WHERE key = ?');
  }

  /** The row for `key`, if any. */
  get(key: string): SnapshotRow | undefined {
    return this.selectOne.get(key);
  }

  /** Every row, oldest first. */
  all(): SnapshotRow[] {
    return this.selectAll.all();
  }

  /** The directory ids of every row. */
  ids(): Set<string> {
    return new Set(this.selectIds.all().map((r) => r.id));
  }

  /** Inserts `row`; AlreadyExistsError if its key is taken. */
  insert(row: SnapshotRow): void {
    try {
      this.insertRow.run(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new AlreadyExistsError(`snapshot '${row.key}' already exists`, { cause: err });
      }
      throw err;
    }
  }

  /** Deletes the row for `key`, if any. */
  delete(key: string): void {
    this.deleteRow.run(key);
  }
}

/** The contract's view of a row. */
export function snapshotInfo(row: SnapshotRow): SnapshotInfo {
  return {
    key: row.key,
    kind: row.kind,
    ...(row.parent !== null && { parent: row.parent }),
    ...(row.image_id !== null && { imageId: row.image_id }),
    labels: JSON.parse(row.labels) as Record<string, string>,
    createdAt: new Date(row.created_at),
  };
}
