/**
 * Per-request access decisions under /v2 and the token endpoint (`GET /v2/token`) that
 * Docker, skopeo and containerd call with Basic credentials after a 401 challenge.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, type RegistryAction, type RegistryAuthenticator, type TokenSigner, anonymous, basicCredentials, parseScope, permitted } from './registry-auth.js';
import { RegistryError } from './registry-errors.js';
import type { RepositoryStore } from './repository-store.js';

/** The service name in challenges and tokens. */
export const registryService = 'intermodal';

/** Decides who a request comes from and what it may do. */
export class RegistryAccess {
  constructor(
    private readonly store: RepositoryStore,
    private readonly auth: RegistryAuthenticator,
    private readonly signer: TokenSigner,
    /** Where the plugin is mounted ('/v2'). */
    private readonly prefix: string,
  ) {}

  /** The caller of a request: Bearer token, Basic credentials, or anonymous. UNAUTHORIZED for bad credentials. */
  async caller(request: FastifyRequest): Promise<Caller> {
    const header = request.headers.authorization;
    if (header === undefined) return anonymous;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer) {
      const caller = this.signer.verify(bearer[1]!);
      if (!caller) throw this.challenge(request, 'the token is invalid or has expired');
      return caller;
    }
    const basic = basicCredentials(header);
    if (!basic) throw this.challenge(request, 'unsupported authorization scheme');
    const user = await this.auth.authenticate(basic.user, basic.password);
    if (!user) throw this.challenge(request, 'incorrect username or password');
    return { subject: user.subject, projects: user.projects };
  }

  /**
   * The caller, when it may do `action` on `repository`; otherwise UNAUTHORIZED with a
   * challenge for the scope needed (anonymous, or a token without that grant) or DENIED
   * (a known user the repository does not allow).
   */
  async authorize(request: FastifyRequest, repository: string, action: RegistryAction): Promise<Caller> {
    const caller = await this.caller(request);
    const record = this.store.repository(repository);
    const allowed = permitted(caller, record, action);
    const granted = caller.grants === undefined || (caller.grants[repository] ?? []).includes(action) || (action === 'pull' && record?.public === true);
    if (allowed && granted) return caller;
    if (caller.subject === undefined || (allowed && !granted)) {
      throw this.challenge(request, 'authentication required', `repository:${repository}:${action === 'push' ? 'pull,push' : 'pull'}`, { name: repository, action });
    }
    throw new RegistryError('DENIED', `requested access to '${repository}' is denied`, { name: repository, action });
  }

  /** True when `caller` may pull `repository` (for filtering the catalog). */
  canPull(caller: Caller, repository: string): boolean {
    return permitted(caller, this.store.repository(repository), 'pull');
  }

  /** An UNAUTHORIZED error carrying the `WWW-Authenticate` challenge. */
  challenge(request: FastifyRequest, message: string, scope?: string, detail?: unknown): RegistryError {
    const error = new RegistryError('UNAUTHORIZED', message, detail);
    const realm = `${request.protocol}://${request.headers.host ?? request.hostname}${this.prefix}/token`;
    error.headers['www-authenticate'] = `Bearer realm="${realm}",service="${registryService}"${scope !== undefined ? `,scope="${scope}"` : ''}`;
    return error;
  }

  /** `GET /v2/token?service=&scope=...` with Basic credentials (or none): a Bearer token. */
  async token(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const caller = await this.caller(request);
    const query = request.query as Record<string, string | string[] | undefined>;
    await reply.send(this.issue(caller, [query.scope ?? []].flat()));
  }

  /**
   * `POST /v2/token` with an OAuth2 password grant in a form body, which containerd tries
   * before the GET. Refresh tokens are not issued, so clients come back with the password.
   */
  async oauthToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request.raw as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 64 * 1024) throw new RegistryError('UNSUPPORTED', 'token request body is too large', undefined, 413);
      chunks.push(chunk);
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    if (form.get('grant_type') !== 'password') throw new RegistryError('UNSUPPORTED', `grant_type '${form.get('grant_type') ?? ''}' is not supported`, undefined, 400);
    const user = await this.auth.authenticate(form.get('username') ?? '', form.get('password') ?? '');
    if (!user) throw this.challenge(request, 'incorrect username or password');
    await reply.send(this.issue({ subject: user.subject, projects: user.projects }, form.getAll('scope')));
  }

  private issue(caller: Caller, scopeParams: string[]): { token: string; access_token: string; expires_in: number; issued_at: string } {
    const scopes = scopeParams.flatMap((s) => s.split(' ')).filter(Boolean);
    const grants: Record<string, string[]> = {};
    for (const text of scopes) {
      const scope = parseScope(text);
      if (!scope || scope.type !== 'repository') continue;
      const record = this.store.repository(scope.name);
      const wanted = new Set(scope.actions.flatMap((a) => (a === '*' || a === 'delete' ? ['pull', 'push'] : [a])));
      const actions = (['pull', 'push'] as const).filter((a) => wanted.has(a) && permitted(caller, record, a));
      grants[scope.name] = [...new Set([...(grants[scope.name] ?? []), ...actions])];
    }
    const { token, issuedAt } = this.signer.issue(caller, grants);
    return { token, access_token: token, expires_in: this.signer.ttlSeconds, issued_at: issuedAt.toISOString() };
  }
}
