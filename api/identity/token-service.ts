/**
 * Tokens: a signed payload (HMAC-SHA256 with a key kept in the data dir), so validating one
 * needs no table lookup for the token itself. What can change after issue is re-checked on
 * every validation: the user and project still enabled, the password not changed since, the
 * user still holding a role on the scope, and the token not explicitly revoked.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../http/api-error.js';
import type { CloudDatabase } from '../http/cloud-database.js';
import type { RequestContext, TokenValidator } from '../http/request-context.js';
import type { IdentityStore } from './identity-store.js';

/** What a token carries. */
export interface TokenPayload {
  /** user id */
  u: string;
  /** auth methods */
  m: string[];
  /** project or domain scope, if any */
  p?: string;
  d?: string;
  /** application credential id, if the token came from one */
  c?: string;
  /** roles fixed by an application credential */
  r?: string[];
  /** issued and expires, epoch ms */
  i: number;
  e: number;
  /** audit id: what revocation names */
  a: string;
}

/** A validated token with what the token body needs beyond the request context. */
export interface ValidatedToken {
  context: RequestContext;
  payload: TokenPayload;
}

const invalid = (why: string): ApiError => new ApiError(401, `The request you have made requires authentication. (${why})`);

function loadKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'keys', 'token-signing.key');
  try {
    return fs.readFileSync(file);
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    // 'wx': if another process won the race, use its key.
    try {
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      return key;
    } catch {
      return fs.readFileSync(file);
    }
  }
}

/** Issues and validates tokens. */
export class TokenService implements TokenValidator {
  private readonly key: Buffer;

  constructor(private readonly db: CloudDatabase, private readonly store: IdentityStore, dataDir: string, readonly lifetimeMs = 3600_000) {
    this.key = loadKey(dataDir);
  }

  issue(payload: Omit<TokenPayload, 'i' | 'e' | 'a'> & { e?: number }): { token: string; payload: TokenPayload } {
    const now = Date.now();
    const full: TokenPayload = { ...payload, i: now, e: payload.e ?? now + this.lifetimeMs, a: randomBytes(16).toString('base64url') };
    const body = Buffer.from(JSON.stringify(full)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, payload: full };
  }

  validate(token: string): RequestContext {
    return this.check(token).context;
  }

  /** The token's payload and context; 401 when it is forged, expired, revoked or no longer backed by a role. */
  check(token: string): ValidatedToken {
    const dot = token.indexOf('.');
    if (dot < 0) throw invalid('malformed token');
    const body = token.slice(0, dot);
    const signature = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(body));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw invalid('bad signature');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as TokenPayload;
    if (payload.e <= Date.now()) throw invalid('token expired');
    if (this.db.prepare('SELECT 1 FROM revoked_tokens WHERE audit_id = ?').get(payload.a)) throw invalid('token revoked');
    let user;
    try {
      user = this.store.getUser(payload.u);
    } catch {
      throw invalid('user no longer exists');
    }
    if (!user.enabled) throw invalid('user disabled');
    if (user.passwordChangedAt > payload.i) throw invalid('password changed since the token was issued');
    const domain = this.store.getDomain(user.domainId);
    const context: RequestContext = { tokenId: payload.a, userId: user.id, userName: user.name, userDomainId: user.domainId, roles: [], expiresAt: new Date(payload.e) };
    if (!domain.enabled) throw invalid('domain disabled');
    if (payload.p !== undefined) {
      let project;
      try {
        project = this.store.getProject(payload.p);
      } catch {
        throw invalid('project no longer exists');
      }
      if (!project.enabled) throw invalid('project disabled');
      context.projectId = project.id;
      context.projectName = project.name;
      context.roles = this.store.rolesOn(user.id, { projectId: project.id }).map((r) => r.name);
    } else if (payload.d !== undefined) {
      context.domainId = payload.d;
      context.roles = this.store.rolesOn(user.id, { domainId: payload.d }).map((r) => r.name);
    }
    if (payload.r) context.roles = context.roles.filter((r) => payload.r!.includes(r));
    if ((payload.p !== undefined || payload.d !== undefined) && context.roles.length === 0) throw invalid('no role on the scope any more');
    if (payload.c !== undefined && !this.db.prepare('SELECT 1 FROM application_credentials WHERE id = ?').get(payload.c)) {
      throw invalid('application credential deleted');
    }
    return { context, payload };
  }

  revoke(token: string): void {
    const { payload } = this.check(token);
    this.db.prepare('INSERT OR IGNORE INTO revoked_tokens (audit_id, expires_at) VALUES (?, ?)').run(payload.a, payload.e);
    this.db.prepare('DELETE FROM revoked_tokens WHERE expires_at < ?').run(Date.now());
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
