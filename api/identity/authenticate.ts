/**
 * `POST /v3/auth/tokens`: who the body says the caller is (password, an existing token, or an
 * application credential) and what scope they ask for. Every refusal is the same 401, so a
 * caller cannot probe which user names exist.
 */
import { ApiError, badRequest } from '../http/api-error.js';
import type { IdentityStore, User } from './identity-store.js';
import { verifyPassword } from './password-hash.js';
import type { TokenPayload, TokenService } from './token-service.js';
import type { ApplicationCredentials } from './application-credentials.js';

const refused = (): ApiError => new ApiError(401, 'The request you have made requires authentication.');

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Resolves `{id}` or `{name}` of a domain reference. */
function domainIdOf(store: IdentityStore, ref: Json | undefined): string | undefined {
  // Keystone insists on a domain with a name; older clients (pkgcloud v3 without
  // domainName) leave it out, and the only sensible reading is the default domain.
  if (!ref) return 'default';
  const id = str(ref.id);
  if (id !== undefined) return store.findDomain(id)?.id;
  const name = str(ref.name);
  return name !== undefined ? store.listDomains({ name })[0]?.id : undefined;
}

async function passwordUser(store: IdentityStore, password: Json | undefined): Promise<User> {
  const userRef = obj(password?.user);
  const secret = str(userRef?.password);
  if (!userRef || secret === undefined) throw badRequest('Expecting to find user and password in the password method.');
  let user: User | undefined;
  const id = str(userRef.id);
  if (id !== undefined) {
    try { user = store.getUser(id); } catch { user = undefined; }
  } else {
    const name = str(userRef.name);
    const domainId = domainIdOf(store, obj(userRef.domain));
    if (name === undefined || domainId === undefined) throw refused();
    user = store.findUserByName(name, domainId);
  }
  if (!user || !user.enabled || !user.passwordHash || !(await verifyPassword(secret, user.passwordHash))) throw refused();
  return user;
}

/** What the identity part of an auth request resolved to. */
export interface Authenticated {
  user: User;
  methods: string[];
  /** Scope forced by the method (application credential, rescoped token). */
  forced?: Pick<TokenPayload, 'p' | 'd' | 'c' | 'r'>;
  /** The original token's expiry: a token from a token never outlives it. */
  expiresAt?: number;
}

/** Checks the `identity` part of an auth body. */
export async function authenticateIdentity(store: IdentityStore, tokens: TokenService, appCreds: ApplicationCredentials, identity: Json | undefined, headerToken?: string): Promise<Authenticated> {
  const methods = Array.isArray(identity?.methods) ? (identity!.methods as unknown[]).filter((m): m is string => typeof m === 'string') : [];
  if (methods.length === 0) throw badRequest('Expecting to find identity.methods in the request.');
  if (methods.includes('password')) return { user: await passwordUser(store, obj(identity!.password)), methods: ['password'] };
  if (methods.includes('token')) {
    const token = str(obj(identity!.token)?.id) ?? headerToken;
    if (!token) throw badRequest('Expecting to find token.id in the token method.');
    const { payload } = tokens.check(token);
    if (payload.c !== undefined) throw new ApiError(403, 'A token from an application credential cannot be rescoped.');
    return { user: store.getUser(payload.u), methods: payload.m, expiresAt: payload.e };
  }
  if (methods.includes('application_credential')) {
    const credential = await appCreds.authenticate(obj(identity!.application_credential), (ref) => domainIdOf(store, ref));
    if (!credential) throw refused();
    return { user: store.getUser(credential.userId), methods: ['application_credential'], forced: { p: credential.projectId, c: credential.id, r: credential.roles } };
  }
  throw new ApiError(401, `Attempted to authenticate with an unsupported method: ${methods.join(', ')}.`);
}

/** Resolves the requested scope to a project or domain the user holds a role on. */
export function resolveScope(store: IdentityStore, user: User, scope: unknown): Pick<TokenPayload, 'p' | 'd'> {
  if (scope === undefined || scope === 'unscoped') {
    // Keystone scopes to the default project when none is asked for and the user has a role there.
    if (scope === undefined && user.defaultProjectId && store.rolesOn(user.id, { projectId: user.defaultProjectId }).length > 0) return { p: user.defaultProjectId };
    return {};
  }
  const ref = obj(scope);
  const projectRef = obj(ref?.project);
  if (projectRef) {
    let projectId = str(projectRef.id);
    if (projectId === undefined) {
      const name = str(projectRef.name);
      const domainId = domainIdOf(store, obj(projectRef.domain));
      projectId = name !== undefined && domainId !== undefined ? store.findProjectByName(name, domainId)?.id : undefined;
    }
    if (projectId === undefined) throw refused();
    let enabled = false;
    try { enabled = store.getProject(projectId).enabled; } catch { enabled = false; }
    if (!enabled || store.rolesOn(user.id, { projectId }).length === 0) throw refused();
    return { p: projectId };
  }
  const domainRef = obj(ref?.domain);
  if (domainRef) {
    const domainId = domainIdOf(store, domainRef);
    if (domainId === undefined || store.rolesOn(user.id, { domainId }).length === 0) throw refused();
    return { d: domainId };
  }
  if (ref?.system !== undefined) {
    // System scope maps to the admin role on the admin project's domain; refuse rather than pretend.
    throw refused();
  }
  throw badRequest('scope must name a project or a domain');
}
