/**
 * Who may do what under /v2, and the Bearer tokens that carry it. Docker's token flow:
 * a request without credentials gets 401 with a `WWW-Authenticate: Bearer realm=...`
 * challenge naming the scope it needs; the client fetches a token from the realm with its
 * Basic credentials (or none, for anonymous pulls) and retries with `Authorization: Bearer`.
 * Tokens are HMAC-signed by this process and short-lived, so nothing about them is stored.
 */
import crypto from 'node:crypto';
import type { RepositoryRecord } from './repository-store.js';

/** Checks a user's credentials; the cloud wires this to Keystone, `registry serve` to a users file. */
export interface RegistryAuthenticator {
  /** The user and the projects they belong to, or null when the credentials are wrong. */
  authenticate(user: string, password: string): Promise<{ subject: string; projects: string[] } | null>;
}

/** The caller of one request. */
export interface Caller {
  /** Undefined for an anonymous caller. */
  subject?: string;
  projects: string[];
  /** Actions per repository a Bearer token grants; undefined for Basic (decided per request). */
  grants?: Record<string, string[]>;
}

/** Registry actions: `pull` reads, `push` writes (uploads, manifests, deletes). */
export type RegistryAction = 'pull' | 'push';

/** The anonymous caller. */
export const anonymous: Caller = { projects: [] };

/** True when `caller` may do `action` on a repository (undefined: one that does not exist yet). */
export function permitted(caller: Caller, repository: RepositoryRecord | undefined, action: RegistryAction): boolean {
  if (action === 'pull' && repository?.public) return true;
  if (caller.subject === undefined) return false;
  return repository?.project === undefined || caller.projects.includes(repository.project);
}

/** One `type:name:actions` scope of a token request. */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** Parses `repository:team/app:pull,push`; the name may itself hold ':' (host:port), the actions never. */
export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions: text.slice(last + 1).split(',').filter(Boolean) };
}

/** Signs and checks Bearer tokens with a key that lives as long as the process (or the one given). */
export class TokenSigner {
  constructor(
    private readonly key: Buffer = crypto.randomBytes(32),
    readonly ttlSeconds = 300,
  ) {}

  /** A token for `caller` with `grants`, and when it was issued. */
  issue(caller: Caller, grants: Record<string, string[]>): { token: string; issuedAt: Date } {
    const issuedAt = new Date();
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const payload = { sub: caller.subject ?? '', projects: caller.projects, grants, iat, exp: iat + this.ttlSeconds, jti: crypto.randomBytes(8).toString('hex') };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, issuedAt };
  }

  /** The caller a token stands for, or undefined when it is forged, malformed or expired. */
  verify(token: string): Caller | undefined {
    const [body, signature] = token.split('.');
    if (!body || !signature) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
    let payload: { sub: string; projects: string[]; grants: Record<string, string[]>; exp: number };
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      return undefined;
    }
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return undefined;
    return { ...(payload.sub !== '' && { subject: payload.sub }), projects: payload.projects ?? [], grants: payload.grants ?? {} };
  }

  private sign(body: string): string {
    return crypto.createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** Splits `Authorization: Basic ...` into user and password; undefined for any other scheme. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
