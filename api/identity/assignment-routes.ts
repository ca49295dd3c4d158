/** Role grants (`openstack role add/remove`), `role assignment list`, and application credentials. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import type { IdentityService } from './identity-service.js';
import { roleView } from './identity-views.js';
import { optionalString, requireObject } from './request-body.js';
import { keystoneTime } from './service-catalog.js';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
type Guard = (request: FastifyRequest) => RequestContext;
type SelfGuard = (request: FastifyRequest, userId: string) => RequestContext;

export function registerAssignmentRoutes(app: FastifyInstance, identity: IdentityService, admin: Guard, adminOrSelf: SelfGuard): void {
  const { store } = identity;

  for (const target of ['projects', 'domains'] as const) {
    const scopeOf = (id: string) => (target === 'projects' ? { projectId: store.getProject(id).id } : { domainId: store.getDomain(id).id });
    const grant = (p: Params) => ({ userId: store.getUser(p.user!).id, roleId: store.getRole(p.role!).id, ...scopeOf(p.target!) });
    app.put(`/v3/${target}/:target/users/:user/roles/:role`, async (request, reply) => {
      admin(request);
      store.assignRole(grant(request.params as Params));
      return reply.code(204).send();
    });
    app.delete(`/v3/${target}/:target/users/:user/roles/:role`, async (request, reply) => {
      admin(request);
      store.unassignRole(grant(request.params as Params));
      return reply.code(204).send();
    });
    app.head(`/v3/${target}/:target/users/:user/roles/:role`, async (request, reply) => {
      admin(request);
      const g = grant(request.params as Params);
      const held = store.rolesOn(g.userId, g).some((r) => r.id === g.roleId);
      return reply.code(held ? 204 : 404).send();
    });
    app.get(`/v3/${target}/:target/users/:user/roles`, async (request) => {
      const p = request.params as Params;
      adminOrSelf(request, p.user!);
      const base = baseUrlOf(request);
      return { roles: store.rolesOn(p.user!, scopeOf(p.target!)).map((r) => roleView(base, r)), links: { self: `${base}/identity/v3/${target}/${p.target}/users/${p.user}/roles` } };
    });
  }

  app.get('/v3/role_assignments', async (request) => {
    const q = request.query as Query;
    const ctx = authenticate(request, admin, adminOrSelf, q['user.id']);
    void ctx;
    const base = baseUrlOf(request);
    const names = q.include_names !== undefined && q.include_names !== 'false' && q.include_names !== '0';
    const assignments = store.listAssignments({
      ...(q['user.id'] !== undefined && { userId: q['user.id'] }), ...(q['scope.project.id'] !== undefined && { projectId: q['scope.project.id'] }),
      ...(q['scope.domain.id'] !== undefined && { domainId: q['scope.domain.id'] }), ...(q['role.id'] !== undefined && { roleId: q['role.id'] }),
    });
    const role_assignments = assignments.map((a) => {
      const role = store.getRole(a.roleId);
      const user = store.getUser(a.userId);
      const scope = a.projectId !== undefined
        ? { project: { id: a.projectId, ...(names && (() => { const p = store.getProject(a.projectId!); const d = store.getDomain(p.domainId); return { name: p.name, domain: { id: d.id, name: d.name } }; })()) } }
        : { domain: { id: a.domainId!, ...(names && { name: store.getDomain(a.domainId!).name }) } };
      const scopePath = a.projectId !== undefined ? `projects/${a.projectId}` : `domains/${a.domainId}`;
      return {
        role: { id: role.id, ...(names && { name: role.name }) },
        user: { id: user.id, ...(names && { name: user.name, domain: { id: user.domainId, name: store.getDomain(user.domainId).name } }) },
        scope,
        links: { assignment: `${base}/identity/v3/${scopePath}/users/${user.id}/roles/${role.id}` },
      };
    });
    return { role_assignments, links: { self: `${base}/identity/v3/role_assignments`, previous: null, next: null } };
  });

  const credentialView = (base: string, c: ReturnType<IdentityService['applicationCredentials']['get']>) => ({
    id: c.id, name: c.name, description: c.description, project_id: c.projectId, unrestricted: false, access_rules: [],
    expires_at: c.expiresAt !== undefined ? keystoneTime(new Date(c.expiresAt)) : null,
    roles: c.roles.map((name) => { const r = store.findRoleByName(name); return { id: r?.id ?? name, name, domain_id: null }; }),
    links: { self: `${base}/identity/v3/users/${c.userId}/application_credentials/${c.id}` },
  });
  app.post('/v3/users/:user/application_credentials', async (request, reply) => {
    const userId = (request.params as Params).user!;
    const ctx = adminOrSelf(request, userId);
    const body = requireObject(request.body, 'application_credential');
    const roles = Array.isArray(body.roles) ? (body.roles as Array<{ name?: string; id?: string }>).map((r) => r.name ?? store.getRole(r.id ?? '').name) : undefined;
    const expires = optionalString(body, 'expires_at');
    const { credential, secret } = identity.applicationCredentials.create({
      userId, projectId: ctx.projectId ?? '', name: optionalString(body, 'name') ?? '',
      ...(optionalString(body, 'secret') !== undefined && { secret: optionalString(body, 'secret')! }),
      ...(optionalString(body, 'description') !== undefined && { description: optionalString(body, 'description')! }),
      ...(expires !== undefined && { expiresAt: Date.parse(expires) }), ...(roles !== undefined && { roles }),
    });
    return reply.code(201).send({ application_credential: { ...credentialView(baseUrlOf(request), credential), secret } });
  });
  app.get('/v3/users/:user/application_credentials', async (request) => {
    const userId = (request.params as Params).user!;
    adminOrSelf(request, userId);
    const name = (request.query as Query).name;
    const base = baseUrlOf(request);
    return { application_credentials: identity.applicationCredentials.list(userId).filter((c) => name === undefined || c.name === name).map((c) => credentialView(base, c)), links: { self: `${base}/identity/v3/users/${userId}/application_credentials`, previous: null, next: null } };
  });
  app.get('/v3/users/:user/application_credentials/:id', async (request) => {
    const p = request.params as Params;
    adminOrSelf(request, p.user!);
    return { application_credential: credentialView(baseUrlOf(request), identity.applicationCredentials.get(p.user!, p.id!)) };
  });
  app.delete('/v3/users/:user/application_credentials/:id', async (request, reply) => {
    const p = request.params as Params;
    adminOrSelf(request, p.user!);
    identity.applicationCredentials.delete(p.user!, p.id!);
    return reply.code(204).send();
  });
}

/** Listing assignments: admins see all; a user may list their own. */
function authenticate(request: FastifyRequest, admin: Guard, adminOrSelf: SelfGuard, userId: string | undefined): RequestContext {
  return userId !== undefined ? adminOrSelf(request, userId) : admin(request);
}
