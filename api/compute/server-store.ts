/**
 * Server records: what Nova keeps per instance (vm_state, task_state, power_state, fault).
 * Deleted servers are kept, flagged, as Nova soft-deletes; every query here skips them.
 */
import { NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';

export type VmState = 'building' | 'active' | 'stopped' | 'paused' | 'error' | 'resized' | 'deleted';

export interface ServerFault { code: number; message: string; details?: string; created: string }

export interface ServerRecord {
  id: string; name: string; projectId: string; userId: string; imageId: string; flavorId: string; oldFlavorId?: string;
  keyName?: string; keyData?: string; vmState: VmState; taskState?: string; powerState: number;
  metadata: Record<string, string>; userData?: string; configDrive: boolean; availabilityZone: string;
  accessIPv4: string; accessIPv6: string; securityGroups: string[];
  /** By network name; `type` floating for a floating IP mapped to the server (fixed when absent). */
  addresses: Record<string, Array<{ address: string; mac?: string; type?: 'fixed' | 'floating' }>>; fault?: ServerFault;
  vcpus: number; ram: number; disk: number;
  createdAt: Date; updatedAt: Date; launchedAt?: Date; terminatedAt?: Date;
  /** The compute host it landed on, from a driver of several hosts. */
  host?: string;
}

interface Row {
  id: string; name: string; project_id: string; user_id: string; image_id: string; flavor_id: string; old_flavor_id: string | null;
  key_name: string | null; key_data: string | null; vm_state: VmState; task_state: string | null; power_state: number;
  metadata: string; user_data: string | null; config_drive: number; availability_zone: string; access_ipv4: string; access_ipv6: string;
  security_groups: string; addresses: string; fault: string | null; vcpus: number; ram: number; disk: number;
  created_at: number; updated_at: number; launched_at: number | null; terminated_at: number | null; host: string | null;
}

const toRecord = (r: Row): ServerRecord => ({
  id: r.id, name: r.name, projectId: r.project_id, userId: r.user_id, imageId: r.image_id, flavorId: r.flavor_id,
  ...(r.old_flavor_id !== null && { oldFlavorId: r.old_flavor_id }), ...(r.key_name !== null && { keyName: r.key_name }),
  ...(r.key_data !== null && { keyData: r.key_data }), vmState: r.vm_state, ...(r.task_state !== null && { taskState: r.task_state }),
  powerState: r.power_state, metadata: JSON.parse(r.metadata) as Record<string, string>, ...(r.user_data !== null && { userData: r.user_data }),
  configDrive: r.config_drive === 1, availabilityZone: r.availability_zone, accessIPv4: r.access_ipv4, accessIPv6: r.access_ipv6,
  securityGroups: JSON.parse(r.security_groups) as string[], addresses: JSON.parse(r.addresses) as ServerRecord['addresses'],
  ...(r.fault !== null && { fault: JSON.parse(r.fault) as ServerFault }), vcpus: r.vcpus, ram: r.ram, disk: r.disk,
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
  ...(r.launched_at !== null && { launchedAt: new Date(r.launched_at) }), ...(r.terminated_at !== null && { terminatedAt: new Date(r.terminated_at) }),
  ...(r.host !== null && { host: r.host }),
});

/** Fields a state change may set; `null` clears. */
export interface ServerUpdate {
  name?: string; vmState?: VmState; taskState?: string | null; powerState?: number; metadata?: Record<string, string>;
  fault?: ServerFault | null; flavorId?: string; oldFlavorId?: string | null; imageId?: string; vcpus?: number; ram?: number; disk?: number;
  launchedAt?: Date; accessIPv4?: string; accessIPv6?: string; addresses?: ServerRecord['addresses']; availabilityZone?: string; host?: string;
}

const columnOf: Record<keyof ServerUpdate, [string, (v: never) => unknown]> = {
  name: ['name', (v: string) => v], vmState: ['vm_state', (v: string) => v], taskState: ['task_state', (v: string | null) => v],
  powerState: ['power_state', (v: number) => v], metadata: ['metadata', (v: object) => JSON.stringify(v)],
  fault: ['fault', (v: ServerFault | null) => (v === null ? null : JSON.stringify(v))], flavorId: ['flavor_id', (v: string) => v],
  oldFlavorId: ['old_flavor_id', (v: string | null) => v], imageId: ['image_id', (v: string) => v], vcpus: ['vcpus', (v: number) => v],
  ram: ['ram', (v: number) => v], disk: ['disk', (v: number) => v], launchedAt: ['launched_at', (v: Date) => v.getTime()],
  accessIPv4: ['access_ipv4', (v: string) => v], accessIPv6: ['access_ipv6', (v: string) => v], addresses: ['addresses', (v: object) => JSON.stringify(v)],
  availabilityZone: ['availability_zone', (v: string) => v], host: ['host', (v: string) => v],
};

export interface ServerFilter {
  projectId?: string; name?: string; status?: VmState[]; imageId?: string; flavorId?: string; changesSince?: Date; marker?: string; limit?: number;
  availabilityZone?: string;
}

export class ServerStore {
  constructor(private readonly db: CloudDatabase) {}

  insert(s: Omit<ServerRecord, 'createdAt' | 'updatedAt' | 'powerState' | 'addresses'>): void {
    const now = Date.now();
    this.db.prepare(`INSERT INTO servers (id, name, project_id, user_id, image_id, flavor_id, key_name, key_data, vm_state, task_state, metadata, user_data,
        config_drive, availability_zone, access_ipv4, access_ipv6, security_groups, vcpus, ram, disk, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      s.id, s.name, s.projectId, s.userId, s.imageId, s.flavorId, s.keyName ?? null, s.keyData ?? null, s.vmState, s.taskState ?? null,
      JSON.stringify(s.metadata), s.userData ?? null, s.configDrive ? 1 : 0, s.availabilityZone, s.accessIPv4, s.accessIPv6,
      JSON.stringify(s.securityGroups), s.vcpus, s.ram, s.disk, now, now);
  }

  get(id: string, projectId?: string): ServerRecord {
    const row = this.db.prepare('SELECT * FROM servers WHERE id = ? AND deleted = 0 AND (? IS NULL OR project_id = ?)').get(id, projectId ?? null, projectId ?? null) as Row | undefined;
    if (!row) throw new NotFoundError(`Instance ${id} could not be found.`);
    return toRecord(row);
  }

  list(filter: ServerFilter = {}): ServerRecord[] {
    const where = ['deleted = 0'];
    const args: unknown[] = [];
    if (filter.projectId !== undefined) { where.push('project_id = ?'); args.push(filter.projectId); }
    if (filter.status?.length) { where.push(`vm_state IN (${filter.status.map(() => '?').join(',')})`); args.push(...filter.status); }
    if (filter.imageId !== undefined) { where.push('image_id = ?'); args.push(filter.imageId); }
    if (filter.flavorId !== undefined) { where.push('flavor_id = ?'); args.push(filter.flavorId); }
    if (filter.changesSince !== undefined) { where.push('updated_at >= ?'); args.push(filter.changesSince.getTime()); }
    if (filter.availabilityZone !== undefined) { where.push('availability_zone = ?'); args.push(filter.availabilityZone); }
    // Newest first, as Nova sorts by created_at desc; the marker is the last id of the previous page.
    if (filter.marker !== undefined) {
      const marker = this.db.prepare('SELECT created_at, id FROM servers WHERE id = ?').get(filter.marker) as { created_at: number; id: string } | undefined;
      if (!marker) throw new NotFoundError(`marker [${filter.marker}] not found`);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(marker.created_at, marker.created_at, marker.id);
    }
    let rows = (this.db.prepare(`SELECT * FROM servers WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC`).all(...args) as Row[]).map(toRecord);
    if (filter.name !== undefined) {
      let pattern: RegExp;
      try { pattern = new RegExp(filter.name); } catch { pattern = new RegExp(filter.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
      rows = rows.filter((s) => pattern.test(s.name));
    }
    return filter.limit !== undefined ? rows.slice(0, filter.limit) : rows;
  }

  update(id: string, changes: ServerUpdate): ServerRecord {
    const sets = ['updated_at = ?'];
    const args: unknown[] = [Date.now()];
    for (const [key, value] of Object.entries(changes) as Array<[keyof ServerUpdate, never]>) {
      if (value === undefined) continue;
      const [column, encode] = columnOf[key];
      sets.push(`${column} = ?`);
      args.push(encode(value));
    }
    this.db.prepare(`UPDATE servers SET ${sets.join(', ')} WHERE id = ? AND deleted = 0`).run(...args, id);
    return this.get(id);
  }

  /** Sets task_state only if it is currently `expected` (null = none): a second conflicting action loses. */
  claimTask(id: string, task: string, allowedStates: VmState[]): boolean {
    const result = this.db.prepare(`UPDATE servers SET task_state = ?, updated_at = ? WHERE id = ? AND deleted = 0 AND task_state IS NULL
        AND vm_state IN (${allowedStates.map(() => '?').join(',')})`).run(task, Date.now(), id, ...allowedStates);
    return result.changes === 1;
  }

  markDeleted(id: string): void {
    this.db.prepare("UPDATE servers SET deleted = 1, vm_state = 'deleted', task_state = NULL, terminated_at = ?, updated_at = ? WHERE id = ?").run(Date.now(), Date.now(), id);
  }

  /** Instances, cores and RAM a project holds (for quotas). */
  usage(projectId: string): { instances: number; cores: number; ram: number } {
    const row = this.db.prepare('SELECT COUNT(*) AS instances, IFNULL(SUM(vcpus), 0) AS cores, IFNULL(SUM(ram), 0) AS ram FROM servers WHERE project_id = ? AND deleted = 0').get(projectId) as { instances: number; cores: number; ram: number };
    return row;
  }
}
