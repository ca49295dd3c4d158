/**
 * Container records in the database: the spec each was made with and its last known
 * state. Only the containers service writes here; everything else reads.
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { EngineDatabase } from '../metadata/database.js';
import type { ContainerSpec } from './container-spec.js';

/** Lifecycle states, as Docker names them. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

/** A container as recorded. */
export interface ContainerRecord {
  id: string;
  name: string;
  imageId: string;
  imageRef: string;
  spec: ContainerSpec;
  status: ContainerStatus;
  pid?: number;
  conmonPid?: number;
  exitCode?: number;
  oomKilled: boolean;
  error?: string;
  restartCount: number;
  /** Set by stop/kill from a user, so that unless-stopped and always know not to restart. */
  stoppedByUser: boolean;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

interface ContainerRow {
  id: string;
  name: string;
  image_id: string;
  image_ref: string;
  spec: string;
  status: ContainerStatus;
  pid: number | null;
  conmon_pid: number | null;
  exit_code: number | null;
  oom_killed: number;
  error: string | null;
  restart_count: number;
  stopped_by_user: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** Fields a state change may set. */
export type ContainerUpdate = Partial<Pick<ContainerRecord, 'status' | 'pid' | 'conmonPid' | 'exitCode' | 'oomKilled' | 'error' | 'restartCount' | 'stoppedByUser' | 'startedAt' | 'finishedAt' | 'name'>>;

const columns: Record<keyof ContainerUpdate, string> = {
  status: 'status', pid: 'pid', conmonPid: 'conmon_pid', exitCode: 'exit_code', oomKilled: 'oom_killed', error: 'error',
  restartCount: 'restart_count', stoppedByUser: 'stopped_by_user', startedAt: 'started_at', finishedAt: 'finished_at', name: 'name',
};

/** The containers table. */
export class ContainerStore {
  constructor(private readonly db: EngineDatabase) {}

  /** Records a new container; AlreadyExistsError when the name is taken. */
  insert(record: Pick<ContainerRecord, 'id' | 'name' | 'imageId' | 'imageRef' | 'spec'>): ContainerRecord {
    try {
      this.db
        .prepare('INSERT INTO containers (id, name, image_id, image_ref, spec, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(record.id, record.name, record.imageId, record.imageRef, JSON.stringify(record.spec), 'created', Date.now());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AlreadyExistsError(`the container name '${record.name}' is already in use`);
      throw err;
    }
    return this.get(record.id);
  }

  /** Finds by full id, unique id prefix, or name; NotFoundError otherwise. */
  resolve(idOrName: string): ContainerRecord {
    const byName = this.db.prepare('SELECT * FROM containers WHERE name = ? OR id = ?').get(idOrName.replace(/^\//, ''), idOrName) as ContainerRow | undefined;
    if (byName) return record(byName);
    if (/^[a-f0-9]{1,63}$/.test(idOrName)) {
      const rows = this.db.prepare('SELECT * FROM containers WHERE id LIKE ? LIMIT 2').all(`${idOrName}%`) as ContainerRow[];
      if (rows.length > 1) throw new InvalidArgumentError(`container ID prefix '${idOrName}' is ambiguous`);
      if (rows[0]) return record(rows[0]);
    }
    throw new NotFoundError(`no such container: ${idOrName}`);
  }

  /** By exact id, or undefined. */
  find(id: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as ContainerRow | undefined;
    return row && record(row);
  }

  /** By exact id. */
  get(id: string): ContainerRecord {
    const row = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as ContainerRow | undefined;
    if (!row) throw new NotFoundError(`no such container: ${id}`);
    return record(row);
  }

  /** Whether a name is in use. */
  nameTaken(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM containers WHERE name = ?').get(name) !== undefined;
  }

  /** Every container, newest first. */
  list(): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created_at DESC').all() as ContainerRow[]).map(record);
  }

  /** Applies a state change. */
  update(id: string, change: ContainerUpdate): ContainerRecord {
    const keys = Object.keys(change) as (keyof ContainerUpdate)[];
    if (keys.length > 0) {
      const values = keys.map((k) => {
        const v = change[k];
        if (v instanceof Date) return v.getTime();
        if (typeof v === 'boolean') return v ? 1 : 0;
        return v ?? null;
      });
      try {
        this.db.prepare(`UPDATE containers SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AlreadyExistsError(`the container name '${change.name}' is already in use`);
        throw err;
      }
    }
    return this.get(id);
  }

  /** Deletes the record. */
  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }
}

function record(row: ContainerRow): ContainerRecord {
  return {
    id: row.id,
    name: row.name,
    imageId: row.image_id,
    imageRef: row.image_ref,
    spec: JSON.parse(row.spec) as ContainerSpec,
    status: row.status,
    ...(row.pid !== null && { pid: row.pid }),
    ...(row.conmon_pid !== null && { conmonPid: row.conmon_pid }),
    ...(row.exit_code !== null && { exitCode: row.exit_code }),
    oomKilled: row.oom_killed === 1,
    ...(row.error !== null && { error: row.error }),
    restartCount: row.restart_count,
    stoppedByUser: row.stopped_by_user === 1,
    createdAt: new Date(row.created_at),
    ...(row.started_at !== null && { startedAt: new Date(row.started_at) }),
    ...(row.finished_at !== null && { finishedAt: new Date(row.finished_at) }),
  };
}
