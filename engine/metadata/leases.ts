/**
 * Leases: an operation that makes blobs and layers before the image that will refer to
 * them exists holds a lease on each, so that a garbage collection running in another
 * process at that moment does not take them. A lease dies with its process.
 */
import type { EngineDatabase } from './database.js';
import { processIsAlive } from '../process-alive.js';

/** Resource names a lease can hold. */
export type LeasedResource = `blob:${string}` | `layer:${string}`;

/** A set of leases held by this process for one operation. */
export class Lease {
  private readonly held = new Set<LeasedResource>();

  constructor(private readonly db: EngineDatabase) {}

  /** Protects `resource` until `release`. */
  add(resource: LeasedResource): void {
    if (this.held.has(resource)) return;
    this.db
      .prepare('INSERT OR IGNORE INTO leases (resource, pid, created_at) VALUES (?, ?, ?)')
      .run(resource, process.pid, Date.now());
    this.held.add(resource);
  }

  /** Every resource this lease holds. */
  resources(): LeasedResource[] {
    return [...this.held];
  }

  /** Drops every lease this operation holds. */
  release(): void {
    const del = this.db.prepare('DELETE FROM leases WHERE resource = ? AND pid = ?');
    this.db.transaction(() => {
      for (const resource of this.held) del.run(resource, process.pid);
    })();
    this.held.clear();
  }
}

/** Resources leased by live processes; leases of dead processes are deleted on the way. */
export function liveLeases(db: EngineDatabase): Set<string> {
  const rows = db.prepare('SELECT resource, pid FROM leases').all() as { resource: string; pid: number }[];
  const live = new Set<string>();
  const dead = db.prepare('DELETE FROM leases WHERE pid = ?');
  for (const row of rows) {
    if (processIsAlive(row.pid)) live.add(row.resource);
    else dead.run(row.pid);
  }
  return live;
}
