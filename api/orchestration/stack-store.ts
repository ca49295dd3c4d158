/**
 * Stacks, their resources and events. A deleted stack keeps its row (deleted_at) so its
 * name can be reused at once while its events stay readable by id, as in Heat.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';
import type { RequestContext } from '../http/request-context.js';

export interface StackRecord {
  id: string; name: string; projectId: string; userId: string; status: string; statusReason: string; description: string;
  template: unknown; environment: unknown; files: Record<string, string>; parameters: Record<string, unknown>;
  disableRollback: boolean; timeoutMins?: number; tags: string[]; caller: RequestContext;
  createdAt: Date; updatedAt?: Date; deletedAt?: Date;
}

export interface ResourceRecord {
  stackId: string; name: string; type: string; physicalId: string; status: string; statusReason: string;
  state?: { physicalId: string; data: Record<string, unknown> }; createdAt: Date; updatedAt?: Date;
}

export interface EventRecord {
  id: string; stackId: string; resourceName: string; physicalId: string; resourceType: string; status: string; reason: string; time: Date;
}

interface StackRow {
  id: string; name: string; project_id: string; user_id: string; status: string; status_reason: string; description: string;
  template: string; environment: string; files: string; parameters: string; disable_rollback: number; timeout_mins: number | null;
  tags: string; caller: string; created_at: number; updated_at: number | null; deleted_at: number | null;
}

const toStack = (r: StackRow): StackRecord => ({
  id: r.id, name: r.name, projectId: r.project_id, userId: r.user_id, status: r.status, statusReason: r.status_reason, description: r.description,
  template: JSON.parse(r.template), environment: JSON.parse(r.environment), files: JSON.parse(r.files) as Record<string, string>,
  parameters: JSON.parse(r.parameters) as Record<string, unknown>, disableRollback: r.disable_rollback === 1,
  ...(r.timeout_mins !== null && { timeoutMins: r.timeout_mins }), tags: JSON.parse(r.tags) as string[],
  caller: { ...(JSON.parse(r.caller) as RequestContext), expiresAt: new Date(0) }, createdAt: new Date(r.created_at),
  ...(r.updated_at !== null && { updatedAt: new Date(r.updated_at) }), ...(r.deleted_at !== null && { deletedAt: new Date(r.deleted_at) }),
});

export class StackStore {
  constructor(private readonly db: CloudDatabase) {}

  insert(s: Omit<StackRecord, 'createdAt'>): StackRecord {
    try {
      this.db.prepare(`INSERT INTO stacks (id, name, project_id, user_id, status, status_reason, description, template, environment, files, parameters,
          disable_rollback, timeout_mins, tags, caller, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        s.id, s.name, s.projectId, s.userId, s.status, s.statusReason, s.description, JSON.stringify(s.template), JSON.stringify(s.environment),
        JSON.stringify(s.files), JSON.stringify(s.parameters), s.disableRollback ? 1 : 0, s.timeoutMins ?? null, JSON.stringify(s.tags),
        JSON.stringify(s.caller), Date.now());
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) throw new AlreadyExistsError(`The Stack (${s.name}) already exists.`);
      throw err;
    }
    return this.get(s.id);
  }

  get(id: string): StackRecord {
    const row = this.db.prepare('SELECT * FROM stacks WHERE id = ?').get(id) as StackRow | undefined;
    if (!row) throw new NotFoundError(`The Stack (${id}) could not be found.`);
    return toStack(row);
  }

  /** A live stack by name or id in the project (a deleted one only by id). */
  find(projectId: string, nameOrId: string): StackRecord {
    const row = this.db.prepare(`SELECT * FROM stacks WHERE project_id = ? AND ((name = ? AND deleted_at IS NULL) OR id = ?)
        ORDER BY deleted_at IS NULL DESC LIMIT 1`).get(projectId, nameOrId, nameOrId) as StackRow | undefined;
    if (!row) throw new NotFoundError(`The Stack (${nameOrId}) could not be found.`);
    return toStack(row);
  }

  list(projectId: string | undefined): StackRecord[] {
    return (this.db.prepare('SELECT * FROM stacks WHERE deleted_at IS NULL AND (? IS NULL OR project_id = ?) ORDER BY created_at DESC')
      .all(projectId ?? null, projectId ?? null) as StackRow[]).map(toStack);
  }

  countLive(projectId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM stacks WHERE project_id = ? AND deleted_at IS NULL').get(projectId) as { n: number }).n;
  }

  setStatus(id: string, status: string, reason: string): void {
    this.db.prepare('UPDATE stacks SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?').run(status, reason, Date.now(), id);
  }

  /** What an update changes: the stack's template, inputs and options; id, name and history stay. */
  replaceDefinition(id: string, d: Pick<StackRecord, 'template' | 'environment' | 'files' | 'parameters' | 'disableRollback' | 'tags' | 'caller' | 'description'> & { timeoutMins?: number }): void {
    this.db.prepare(`UPDATE stacks SET template = ?, environment = ?, files = ?, parameters = ?, disable_rollback = ?, timeout_mins = ?, tags = ?, caller = ?,
        description = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(d.template), JSON.stringify(d.environment), JSON.stringify(d.files),
      JSON.stringify(d.parameters), d.disableRollback ? 1 : 0, d.timeoutMins ?? null, JSON.stringify(d.tags), JSON.stringify(d.caller), d.description, Date.now(), id);
  }

  /**
   * Ends operations a stopped API left running: each stack (and resource) still
   * *_IN_PROGRESS becomes *_FAILED with the reason, with a stack-level event, so it can be
   * deleted or updated again. Returns the stacks it failed.
   */
  failInterrupted(reason: string): string[] {
    const rows = this.db.prepare("SELECT id, name, status FROM stacks WHERE deleted_at IS NULL AND status LIKE '%\\_IN\\_PROGRESS' ESCAPE '\\'").all() as Array<{ id: string; name: string; status: string }>;
    for (const row of rows) {
      const failed = row.status.replace(/_IN_PROGRESS$/, '_FAILED');
      this.setStatus(row.id, failed, reason);
      this.db.prepare("UPDATE stack_resources SET status = REPLACE(status, '_IN_PROGRESS', '_FAILED'), status_reason = ? WHERE stack_id = ? AND status LIKE '%\\_IN\\_PROGRESS' ESCAPE '\\'").run(reason, row.id);
      this.addEvent({ stackId: row.id, resourceName: row.name, physicalId: row.id, resourceType: 'OS::Heat::Stack', status: failed, reason });
    }
    return rows.map((r) => r.name);
  }

  markDeleted(id: string): void {
    this.db.prepare('UPDATE stacks SET deleted_at = ? WHERE id = ?').run(Date.now(), id);
  }

  resources(stackId: string): ResourceRecord[] {
    const rows = this.db.prepare('SELECT * FROM stack_resources WHERE stack_id = ? ORDER BY created_at, name').all(stackId) as Array<{
      stack_id: string; name: string; type: string; physical_id: string; status: string; status_reason: string; state: string | null; created_at: number; updated_at: number | null;
    }>;
    return rows.map((r) => ({
      stackId: r.stack_id, name: r.name, type: r.type, physicalId: r.physical_id, status: r.status, statusReason: r.status_reason,
      ...(r.state !== null && { state: JSON.parse(r.state) as ResourceRecord['state'] }), createdAt: new Date(r.created_at),
      ...(r.updated_at !== null && { updatedAt: new Date(r.updated_at) }),
    }));
  }

  upsertResource(stackId: string, name: string, type: string, status: string, reason: string, state?: ResourceRecord['state'] | null): void {
    this.db.prepare(`INSERT INTO stack_resources (stack_id, name, type, physical_id, status, status_reason, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(stack_id, name) DO UPDATE SET type = excluded.type, status = excluded.status, status_reason = excluded.status_reason, updated_at = ?,
        physical_id = CASE WHEN ? THEN excluded.physical_id ELSE physical_id END, state = CASE WHEN ? THEN excluded.state ELSE state END`)
      .run(stackId, name, type, state?.physicalId ?? '', status, reason, state ? JSON.stringify(state) : null, Date.now(), Date.now(), state !== undefined ? 1 : 0, state !== undefined ? 1 : 0);
  }

  deleteResource(stackId: string, name: string): void {
    this.db.prepare('DELETE FROM stack_resources WHERE stack_id = ? AND name = ?').run(stackId, name);
  }

  /** The state of a resource of one of `types` in a live stack of the project, by physical id. */
  stateByPhysicalId(projectId: string, physicalId: string, types: readonly string[]): ResourceRecord['state'] | undefined {
    const row = this.db.prepare(`SELECT r.state FROM stack_resources r JOIN stacks s ON s.id = r.stack_id
        WHERE r.physical_id = ? AND s.project_id = ? AND s.deleted_at IS NULL AND r.type IN (SELECT value FROM json_each(?)) AND r.state IS NOT NULL LIMIT 1`)
      .get(physicalId, projectId, JSON.stringify(types)) as { state: string } | undefined;
    return row ? JSON.parse(row.state) as ResourceRecord['state'] : undefined;
  }

  addSignal(handleId: string, body: unknown): void {
    this.db.prepare('INSERT INTO stack_signals (handle_id, body, time) VALUES (?, ?, ?)').run(handleId, JSON.stringify(body), Date.now());
  }

  signals(handleId: string): unknown[] {
    return (this.db.prepare('SELECT body FROM stack_signals WHERE handle_id = ? ORDER BY seq').all(handleId) as Array<{ body: string }>).map((r) => JSON.parse(r.body));
  }

  clearSignals(handleId: string): void {
    this.db.prepare('DELETE FROM stack_signals WHERE handle_id = ?').run(handleId);
  }

  addEvent(e: Omit<EventRecord, 'id' | 'time'>): EventRecord {
    const event = { ...e, id: randomUUID(), time: new Date() };
    this.db.prepare('INSERT INTO stack_events (id, stack_id, resource_name, physical_id, resource_type, status, reason, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(event.id, e.stackId, e.resourceName, e.physicalId, e.resourceType, e.status, e.reason, event.time.getTime());
    return event;
  }

  /** Events in order, after `marker` (an event id) when given. */
  events(stackId: string, options: { marker?: string; limit?: number; desc?: boolean; resourceName?: string } = {}): EventRecord[] {
    const markerSeq = options.marker !== undefined
      ? (this.db.prepare('SELECT seq FROM stack_events WHERE id = ?').get(options.marker) as { seq: number } | undefined)?.seq ?? 0 : undefined;
    const rows = this.db.prepare(`SELECT * FROM stack_events WHERE stack_id = ? AND (? IS NULL OR resource_name = ?)
        AND (? IS NULL OR (CASE WHEN ? THEN seq < ? ELSE seq > ? END)) ORDER BY seq ${options.desc ? 'DESC' : 'ASC'} LIMIT ?`)
      .all(stackId, options.resourceName ?? null, options.resourceName ?? null, markerSeq ?? null, options.desc ? 1 : 0, markerSeq ?? 0, markerSeq ?? 0, options.limit ?? -1) as Array<{
        id: string; stack_id: string; resource_name: string; physical_id: string; resource_type: string; status: string; reason: string; time: number;
      }>;
    return rows.map((r) => ({ id: r.id, stackId: r.stack_id, resourceName: r.resource_name, physicalId: r.physical_id, resourceType: r.resource_type, status: r.status, reason: r.reason, time: new Date(r.time) }));
  }
}
