/**
 * Token issue, validation and revocation: `/v3/auth/tokens` and, unlisted in discovery
 * (keystoneauth would otherwise pick it), pkgcloud's `/v2.0/tokens` and `/v2.0/tenants`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, unauthorized } from '../http/api-error.js';
import { baseUrlOf } from '../http/service-faults.js';
import { authenticateIdentity, resolveScope } from './authenticate.js';
import type { IdentityService } from './identity-service.js';
import { projectView } from './identity-views.js';
import { v2AccessBody, v3TokenBody } from './token-body.js';
import { verifyPassword } from './password-hash.js';

type Json = Record<string, unknown>;

function subjectToken(request: FastifyRequest): string {
  const token = request.headers['x-subject-token'];
  if (typeof token !== 'string') throw new ApiError(404, 'Could not find token: (no X-Subject-Token given).');
  return token;
}

/** Validates the caller's own X-Auth-Token (needed for GET/HEAD/DELETE of tokens). */
function caller(identity: IdentityService, request: FastifyRequest) {
  const token = request.headers['x-auth-token'];
  if (typeof token !== 'string') throw unauthorized();
  return identity.tokens.check(token);
}

export function registerTokenRoutes(app: FastifyInstance, identity: IdentityService): void {
  app.post('/v3/auth/tokens', async (request, reply) => {
    const auth = (request.body as Json | undefined)?.auth as Json | undefined;
    if (typeof auth !== 'object' || auth === null) throw badRequest('Expecting to find auth in the request body.');
    const headerToken = typeof request.headers['x-auth-token'] === 'string' ? request.headers['x-auth-token'] : undefined;
    const who = await authenticateIdentity(identity.store, identity.tokens, identity.applicationCredentials, auth.identity as Json | undefined, headerToken);
    const scope = who.forced ?? resolveScope(identity.store, who.user, auth.scope);
    const { token, payload } = identity.tokens.issue({ u: who.user.id, m: who.methods, ...scope, ...(who.expiresAt !== undefined && { e: who.expiresAt }) });
    const nocatalog = (request.query as Json).nocatalog !== undefined;
    return reply.code(201).header('x-subject-token', token).send(v3TokenBody(identity, payload, baseUrlOf(request), { catalog: !nocatalog }));
  });

  app.get('/v3/auth/tokens', async (request, reply) => {
    caller(identity, request);
    const { payload } = identity.tokens.check(subjectToken(request));
    const nocatalog = (request.query as Json).nocatalog !== undefined;
    return reply.header('x-subject-token', subjectToken(request)).send(v3TokenBody(identity, payload, baseUrlOf(request), { catalog: !nocatalog }));
  });
  // HEAD /v3/auth/tokens is fastify's automatic HEAD of the GET above: same checks, no body.
  app.delete('/v3/auth/tokens', async (request, reply) => {
    caller(identity, request);
    identity.tokens.revoke(subjectToken(request));
    return reply.code(204).send();
  });

  app.get('/v3/auth/catalog', async (request) => {
    const { payload } = caller(identity, request);
    return { catalog: v3TokenBody(identity, payload, baseUrlOf(request)).token.catalog, links: { self: `${baseUrlOf(request)}/identity/v3/auth/catalog` } };
  });
  app.get('/v3/auth/projects', async (request) => {
    const { context } = caller(identity, request);
    const base = baseUrlOf(request);
    return { projects: identity.store.listProjects({ userId: context.userId }).filter((p) => p.enabled).map((p) => projectView(base, p)), links: { self: `${base}/identity/v3/auth/projects` } };
  });

  app.post('/v2.0/tokens', async (request) => {
    const auth = (request.body as Json | undefined)?.auth as Json | undefined;
    if (typeof auth !== 'object' || auth === null) throw badRequest('Expecting to find auth in the request body.');
    const store = identity.store;
    const domainId = 'default';
    let userId: string;
    let expires: number | undefined;
    const credentials = auth.passwordCredentials as Json | undefined;
    if (credentials) {
      const user = typeof credentials.username === 'string' ? store.findUserByName(credentials.username, domainId) : undefined;
      if (!user || !user.enabled || !user.passwordHash || typeof credentials.password !== 'string' || !(await verifyPassword(credentials.password, user.passwordHash))) throw unauthorized();
      userId = user.id;
    } else if (typeof (auth.token as Json | undefined)?.id === 'string') {
      const { payload } = identity.tokens.check((auth.token as Json).id as string);
      userId = payload.u;
      expires = payload.e;
    } else {
      throw badRequest('Expecting passwordCredentials or token in auth.');
    }
    let projectId: string | undefined;
    if (typeof auth.tenantId === 'string') projectId = auth.tenantId;
    else if (typeof auth.tenantName === 'string') projectId = store.findProjectByName(auth.tenantName, domainId)?.id;
    if ((auth.tenantId !== undefined || auth.tenantName !== undefined) && (projectId === undefined || store.rolesOn(userId, { projectId }).length === 0)) throw unauthorized();
    const { token, payload } = identity.tokens.issue({ u: userId, m: ['password'], ...(projectId !== undefined && { p: projectId }), ...(expires !== undefined && { e: expires }) });
    return v2AccessBody(identity, token, payload, baseUrlOf(request));
  });

  app.get('/v2.0/tenants', async (request) => {
    const { context } = caller(identity, request);
    const tenants = identity.store.listProjects({ userId: context.userId }).map((p) => ({ id: p.id, name: p.name, enabled: p.enabled, description: p.description }));
    return { tenants, tenants_links: [] };
  });
}
