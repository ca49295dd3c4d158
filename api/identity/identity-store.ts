/**
 * Domains, projects, users, roles and role assignments. Names are unique within a domain,
 * as in Keystone. Every change that must revoke tokens records it here (password change
 * time); token validation re-reads enabled flags and roles, so disabling or unassigning
 * takes effect on the next request.
 */
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';
import { hashPassword } from './password-hash.js';

export interface Domain { id: string; name: string; description: string; enabled: boolean }
export interface Project { id: string; name: string; domainId: string; description: string; enabled: boolean }
export interface User {
  id: string; name: string; domainId: string; enabled: boolean; email?: string; description: string;
  defaultProjectId?: string; passwordHash?: string; passwordChangedAt: number;
}
export interface Role { id: string; name: string }
export interface RoleAssignment { userId: string; roleId: string; projectId?: string; domainId?: string }

interface UserRow {
  id: string; name: string; domain_id: string; password_hash: string | null; enabled: number; email: string | null;
  description: string; default_project_id: string | null; password_changed_at: number;
}
interface ProjectRow { id: string; name: string; domain_id: string; description: string; enabled: number }
interface DomainRow { id: string; name: string; description: string; enabled: number }
interface AssignmentRow { user_id: string; role_id: string; project_id: string | null; domain_id: string | null }

const toUser = (row: UserRow): User => ({
  id: row.id, name: row.name, domainId: row.domain_id, enabled: row.enabled === 1, description: row.description,
  ...(row.email !== null && { email: row.email }), ...(row.default_project_id !== null && { defaultProjectId: row.default_project_id }),
  ...(row.password_hash !== null && { passwordHash: row.password_hash }), passwordChangedAt: row.password_changed_at,
});
const toProject = (row: ProjectRow): Project => ({ id: row.id, name: row.name, domainId: row.domain_id, description: row.description, enabled: row.enabled === 1 });
const toDomain = (row: DomainRow): Domain => ({ id: row.id, name: row.name, description: row.description, enabled: row.enabled === 1 });

/** Keystone ids are 32 hex digits. */
export const newIdentityId = (): string => randomUUID().replace(/-/g, '');

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0) throw new InvalidArgumentError(`${kind} name must be a non-empty string`);
  if (name.length > 255) throw new InvalidArgumentError(`${kind} name is longer than 255 characters`);
  return name;
}

function uniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT_UNIQUE');
}

/** The identity tables. */
export class IdentityStore {
  constructor(private readonly db: CloudDatabase) {}

  // Domains
  createDomain(input: { id?: string; name: string; description?: string; enabled?: boolean }): Domain {
    const domain = { id: input.id ?? newIdentityId(), name: checkName('domain', input.name), description: input.description ?? '', enabled: input.enabled ?? true };
    this.insert('domain', domain.name, () => this.db.prepare('INSERT INTO domains (id, name, description, enabled) VALUES (?, ?, ?, ?)').run(domain.id, domain.name, domain.description, domain.enabled ? 1 : 0));
    return domain;
  }
  findDomain(idOrName: string): Domain | undefined {
    const row = this.db.prepare('SELECT * FROM domains WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(idOrName, idOrName, idOrName) as DomainRow | undefined;
    return row && toDomain(row);
  }
  getDomain(id: string): Domain {
    const row = this.db.prepare('SELECT * FROM domains WHERE id = ?').get(id) as DomainRow | undefined;
    if (!row) throw new NotFoundError(`Could not find domain: ${id}.`);
    return toDomain(row);
  }
  listDomains(filter: { name?: string } = {}): Domain[] {
    return (this.db.prepare('SELECT * FROM domains WHERE (? IS NULL OR name = ?) ORDER BY name').all(filter.name ?? null, filter.name ?? null) as DomainRow[]).map(toDomain);
  }

  // Projects
  createProject(input: { name: string; domainId: string; description?: string; enabled?: boolean; id?: string }): Project {
    this.getDomain(input.domainId);
    const project = { id: input.id ?? newIdentityId(), name: checkName('project', input.name), domainId: input.domainId, description: input.description ?? '', enabled: input.enabled ?? true };
    this.insert('project', project.name, () => this.db.prepare('INSERT INTO projects (id, name, domain_id, description, enabled) VALUES (?, ?, ?, ?, ?)')
      .run(project.id, project.name, project.domainId, project.description, project.enabled ? 1 : 0));
    return project;
  }
  getProject(id: string): Project {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw new NotFoundError(`Could not find project: ${id}.`);
    return toProject(row);
  }
  findProjectByName(name: string, domainId: string): Project | undefined {
    const row = this.db.prepare('SELECT * FROM projects WHERE name = ? AND domain_id = ?').get(name, domainId) as ProjectRow | undefined;
    return row && toProject(row);
  }
  listProjects(filter: { name?: string; domainId?: string; userId?: string } = {}): Project[] {
    const rows = this.db.prepare(`SELECT * FROM projects p WHERE (? IS NULL OR p.name = ?) AND (? IS NULL OR p.domain_id = ?)
        AND (? IS NULL OR EXISTS (SELECT 1 FROM role_assignments a WHERE a.project_id = p.id AND a.user_id = ?)) ORDER BY p.name`)
      .all(filter.name ?? null, filter.name ?? null, filter.domainId ?? null, filter.domainId ?? null, filter.userId ?? null, filter.userId ?? null) as ProjectRow[];
    return rows.map(toProject);
  }
  updateProject(id: string, changes: { name?: string; description?: string; enabled?: boolean }): Project {
    const current = this.getProject(id);
    const next = { ...current, ...changes, name: changes.name !== undefined ? checkName('project', changes.name) : current.name };
    this.insert('project', next.name, () => this.db.prepare('UPDATE projects SET name = ?, description = ?, enabled = ? WHERE id = ?').run(next.name, next.description, next.enabled ? 1 : 0, id));
    return next;
  }
  deleteProject(id: string): void {
    if (this.db.prepare('DELETE FROM projects WHERE id = ?').run(id).changes === 0) throw new NotFoundError(`Could not find project: ${id}.`);
  }

  // Users
  createUser(input: { name: string; domainId: string; password?: string; enabled?: boolean; email?: string; description?: string; defaultProjectId?: string }): User {
    this.getDomain(input.domainId);
    if (input.defaultProjectId !== undefined) this.getProject(input.defaultProjectId);
    const id = newIdentityId();
    const name = checkName('user', input.name);
    const hash = input.password !== undefined ? hashPassword(input.password) : null;
    this.insert('user', name, () => this.db.prepare(`INSERT INTO users (id, name, domain_id, password_hash, enabled, email, description, default_project_id, password_changed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, name, input.domainId, hash, input.enabled === false ? 0 : 1, input.email ?? null,
      input.description ?? '', input.defaultProjectId ?? null, Date.now()));
    return this.getUser(id);
  }
  getUser(id: string): User {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    if (!row) throw new NotFoundError(`Could not find user: ${id}.`);
    return toUser(row);
  }
  findUserByName(name: string, domainId: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ? AND domain_id = ?').get(name, domainId) as UserRow | undefined;
    return row && toUser(row);
  }
  listUsers(filter: { name?: string; domainId?: string } = {}): User[] {
    return (this.db.prepare('SELECT * FROM users WHERE (? IS NULL OR name = ?) AND (? IS NULL OR domain_id = ?) ORDER BY name')
      .all(filter.name ?? null, filter.name ?? null, filter.domainId ?? null, filter.domainId ?? null) as UserRow[]).map(toUser);
  }
  updateUser(id: string, changes: { name?: string; password?: string; enabled?: boolean; email?: string; description?: string; defaultProjectId?: string }): User {
    const current = this.getUser(id);
    const name = changes.name !== undefined ? checkName('user', changes.name) : current.name;
    if (changes.defaultProjectId !== undefined) this.getProject(changes.defaultProjectId);
    this.insert('user', name, () => this.db.prepare(`UPDATE users SET name = ?, enabled = ?, email = ?, description = ?, default_project_id = ? WHERE id = ?`)
      .run(name, (changes.enabled ?? current.enabled) ? 1 : 0, changes.email ?? current.email ?? null, changes.description ?? current.description,
        changes.defaultProjectId ?? current.defaultProjectId ?? null, id));
    // A new password revokes every token issued before it.
    if (changes.password !== undefined) this.db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?').run(hashPassword(changes.password), Date.now(), id);
    return this.getUser(id);
  }
  deleteUser(id: string): void {
    if (this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes === 0) throw new NotFoundError(`Could not find user: ${id}.`);
  }

  // Roles and assignments
  createRole(name: string, id?: string): Role {
    const role = { id: id ?? newIdentityId(), name: checkName('role', name) };
    this.insert('role', role.name, () => this.db.prepare('INSERT INTO roles (id, name) VALUES (?, ?)').run(role.id, role.name));
    return role;
  }
  getRole(id: string): Role {
    const row = this.db.prepare('SELECT id, name FROM roles WHERE id = ?').get(id) as Role | undefined;
    if (!row) throw new NotFoundError(`Could not find role: ${id}.`);
    return row;
  }
  findRoleByName(name: string): Role | undefined {
    return this.db.prepare('SELECT id, name FROM roles WHERE name = ?').get(name) as Role | undefined;
  }
  listRoles(filter: { name?: string } = {}): Role[] {
    return this.db.prepare('SELECT id, name FROM roles WHERE (? IS NULL OR name = ?) ORDER BY name').all(filter.name ?? null, filter.name ?? null) as Role[];
  }
  deleteRole(id: string): void {
    if (this.db.prepare('DELETE FROM roles WHERE id = ?').run(id).changes === 0) throw new NotFoundError(`Could not find role: ${id}.`);
  }
  assignRole(a: RoleAssignment): void {
    this.db.prepare('INSERT OR IGNORE INTO role_assignments (user_id, role_id, project_id, domain_id) VALUES (?, ?, ?, ?)')
      .run(a.userId, a.roleId, a.projectId ?? null, a.domainId ?? null);
  }
  unassignRole(a: RoleAssignment): void {
    const result = this.db.prepare('DELETE FROM role_assignments WHERE user_id = ? AND role_id = ? AND IFNULL(project_id, \'\') = ? AND IFNULL(domain_id, \'\') = ?')
      .run(a.userId, a.roleId, a.projectId ?? '', a.domainId ?? '');
    if (result.changes === 0) throw new NotFoundError(`Could not find role assignment with role: ${a.roleId}, user or group: ${a.userId}.`);
  }
  listAssignments(filter: { userId?: string; projectId?: string; domainId?: string; roleId?: string } = {}): RoleAssignment[] {
    const rows = this.db.prepare(`SELECT * FROM role_assignments WHERE (? IS NULL OR user_id = ?) AND (? IS NULL OR project_id = ?)
        AND (? IS NULL OR domain_id = ?) AND (? IS NULL OR role_id = ?)`)
      .all(filter.userId ?? null, filter.userId ?? null, filter.projectId ?? null, filter.projectId ?? null,
        filter.domainId ?? null, filter.domainId ?? null, filter.roleId ?? null, filter.roleId ?? null) as AssignmentRow[];
    return rows.map((r) => ({ userId: r.user_id, roleId: r.role_id, ...(r.project_id !== null && { projectId: r.project_id }), ...(r.domain_id !== null && { domainId: r.domain_id }) }));
  }
  /** Role names the user holds on a project or domain. */
  rolesOn(userId: string, scope: { projectId?: string; domainId?: string }): Role[] {
    return this.db.prepare(`SELECT r.id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
        WHERE a.user_id = ? AND IFNULL(a.project_id, '') = ? AND IFNULL(a.domain_id, '') = ? ORDER BY r.name`)
      .all(userId, scope.projectId ?? '', scope.domainId ?? '') as Role[];
  }

  private insert(kind: string, name: string, run: () => unknown): void {
    try {
      run();
    } catch (err) {
      if (uniqueViolation(err)) throw new AlreadyExistsError(`Conflict occurred attempting to store ${kind} - Duplicate entry found with name ${name}.`);
      throw err;
    }
  }
}
