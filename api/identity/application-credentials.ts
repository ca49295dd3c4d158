/**
 * Application credentials: a secret a user makes for automation, bound to one project and a
 * subset of the user's roles there. The secret is shown once and stored hashed.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';
import { type IdentityStore, newIdentityId } from './identity-store.js';
import { hashPassword, verifyPassword } from './password-hash.js';

export interface ApplicationCredential {
  id: string; name: string; userId: string; projectId: string; description: string; expiresAt?: number; roles: string[];
}

interface Row { id: string; name: string; user_id: string; project_id: string; secret_hash: string; description: string; expires_at: number | null; roles: string }

const toCredential = (row: Row): ApplicationCredential => ({
  id: row.id, name: row.name, userId: row.user_id, projectId: row.project_id, description: row.description,
  ...(row.expires_at !== null && { expiresAt: row.expires_at }), roles: JSON.parse(row.roles) as string[],
});

/** The application_credentials table. */
export class ApplicationCredentials {
  constructor(private readonly db: CloudDatabase, private readonly store: IdentityStore) {}

  create(input: { userId: string; projectId: string; name: string; secret?: string; description?: string; expiresAt?: number; roles?: string[] }): { credential: ApplicationCredential; secret: string } {
    if (!input.name || input.name.length > 255) throw new InvalidArgumentError('application credential name must be 1 to 255 characters');
    const held = this.store.rolesOn(input.userId, { projectId: input.projectId }).map((r) => r.name);
    const roles = input.roles ?? held;
    const missing = roles.filter((r) => !held.includes(r));
    if (missing.length > 0) throw new InvalidArgumentError(`the user does not hold role(s) ${missing.join(', ')} on the project`);
    const secret = input.secret ?? randomBytes(32).toString('base64url');
    const id = newIdentityId();
    try {
      this.db.prepare('INSERT INTO application_credentials (id, name, user_id, project_id, secret_hash, description, expires_at, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.name, input.userId, input.projectId, hashPassword(secret), input.description ?? '', input.expiresAt ?? null, JSON.stringify(roles));
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) throw new AlreadyExistsError(`application credential '${input.name}' exists`);
      throw err;
    }
    return { credential: this.get(input.userId, id), secret };
  }

  list(userId: string): ApplicationCredential[] {
    return (this.db.prepare('SELECT * FROM application_credentials WHERE user_id = ? ORDER BY name').all(userId) as Row[]).map(toCredential);
  }

  get(userId: string, id: string): ApplicationCredential {
    const row = this.db.prepare('SELECT * FROM application_credentials WHERE user_id = ? AND id = ?').get(userId, id) as Row | undefined;
    if (!row) throw new NotFoundError(`Could not find application credential: ${id}.`);
    return toCredential(row);
  }

  delete(userId: string, id: string): void {
    if (this.db.prepare('DELETE FROM application_credentials WHERE user_id = ? AND id = ?').run(userId, id).changes === 0) {
      throw new NotFoundError(`Could not find application credential: ${id}.`);
    }
  }

  /** The credential a `{id|name(+user), secret}` reference names, when the secret matches and it has not expired. */
  async authenticate(ref: Record<string, unknown> | undefined, domainIdOf: (ref: Record<string, unknown> | undefined) => string | undefined): Promise<ApplicationCredential | undefined> {
    const secret = typeof ref?.secret === 'string' ? ref.secret : undefined;
    if (!ref || secret === undefined) return undefined;
    let row: Row | undefined;
    if (typeof ref.id === 'string') {
      row = this.db.prepare('SELECT * FROM application_credentials WHERE id = ?').get(ref.id) as Row | undefined;
    } else if (typeof ref.name === 'string') {
      const userRef = ref.user as Record<string, unknown> | undefined;
      let userId = typeof userRef?.id === 'string' ? userRef.id : undefined;
      if (userId === undefined && typeof userRef?.name === 'string') {
        const domainId = domainIdOf(userRef.domain as Record<string, unknown> | undefined);
        userId = domainId !== undefined ? this.store.findUserByName(userRef.name, domainId)?.id : undefined;
      }
      if (userId !== undefined) row = this.db.prepare('SELECT * FROM application_credentials WHERE user_id = ? AND name = ?').get(userId, ref.name) as Row | undefined;
    }
    if (!row || !(await verifyPassword(secret, row.secret_hash))) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    return toCredential(row);
  }
}
