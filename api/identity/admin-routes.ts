/**
 * The admin API an operator onboards tenants with (`openstack project create`, `user create`,
 * `role add`, `role assignment list`, `domain list`). Changing anything needs the admin role;
 * a user may read themselves and the projects they belong to.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden } from '../http/api-error.js';
import { authenticate, isAdmin, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import type { IdentityService } from './identity-service.js';
import { domainView, projectView, roleView, userView } from './identity-views.js';
import { registerAssignmentRoutes } from './assignment-routes.js';
import { requireObject, optionalBoolean, optionalString } from './request-body.js';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

export function registerAdminRoutes(app: FastifyInstance, identity: IdentityService): void {
  const { store } = identity;
  const admin = (request: FastifyRequest): RequestContext => {
    const ctx = authenticate(request, identity.tokens);
    if (!isAdmin(ctx)) throw forbidden('You are not authorized to perform the requested action.');
    return ctx;
  };
  const adminOrSelf = (request: FastifyRequest, userId: string): RequestContext => {
    const ctx = authenticate(request, identity.tokens);
    if (!isAdmin(ctx) && ctx.userId !== userId) throw forbidden('You are not authorized to perform the requested action.');
    return ctx;
  };
  const list = <T>(request: FastifyRequest, key: string, items: T[]) => ({ [key]: items, links: { self: `${baseUrlOf(request)}/identity/v3/${key}`, previous: null, next: null } });

  // Domains
  app.get('/v3/domains', async (request) => {
    admin(request);
    return list(request, 'domains', store.listDomains({ ...((request.query as Query).name !== undefined && { name: (request.query as Query).name! }) }).map((d) => domainView(baseUrlOf(request), d)));
  });
  app.get('/v3/domains/:id', async (request) => {
    authenticate(request, identity.tokens);
    return { domain: domainView(baseUrlOf(request), store.getDomain((request.params as Params).id!)) };
  });
  app.post('/v3/domains', async (request, reply) => {
    admin(request);
    const body = requireObject(request.body, 'domain');
    const domain = store.createDomain({ name: optionalString(body, 'name') ?? '', description: optionalString(body, 'description') ?? '', enabled: optionalBoolean(body, 'enabled') ?? true });
    return reply.code(201).send({ domain: domainView(baseUrlOf(request), domain) });
  });

  // Projects
  app.get('/v3/projects', async (request) => {
    admin(request);
    const q = request.query as Query;
    return list(request, 'projects', store.listProjects({ ...(q.name !== undefined && { name: q.name }), ...(q.domain_id !== undefined && { domainId: q.domain_id }) }).map((p) => projectView(baseUrlOf(request), p)));
  });
  app.get('/v3/projects/:id', async (request) => {
    const ctx = authenticate(request, identity.tokens);
    const id = (request.params as Params).id!;
    if (!isAdmin(ctx) && ctx.projectId !== id) throw forbidden('You are not authorized to perform the requested action.');
    return { project: projectView(baseUrlOf(request), store.getProject(id)) };
  });
  app.post('/v3/projects', async (request, reply) => {
    const ctx = admin(request);
    const body = requireObject(request.body, 'project');
    const project = store.createProject({
      name: optionalString(body, 'name') ?? '', domainId: optionalString(body, 'domain_id') ?? ctx.userDomainId,
      description: optionalString(body, 'description') ?? '', enabled: optionalBoolean(body, 'enabled') ?? true,
    });
    return reply.code(201).send({ project: projectView(baseUrlOf(request), project) });
  });
  app.patch('/v3/projects/:id', async (request) => {
    admin(request);
    const body = requireObject(request.body, 'project');
    const changes = {
      ...(optionalString(body, 'name') !== undefined && { name: optionalString(body, 'name')! }),
      ...(optionalString(body, 'description') !== undefined && { description: optionalString(body, 'description')! }),
      ...(optionalBoolean(body, 'enabled') !== undefined && { enabled: optionalBoolean(body, 'enabled')! }),
    };
    return { project: projectView(baseUrlOf(request), store.updateProject((request.params as Params).id!, changes)) };
  });
  app.delete('/v3/projects/:id', async (request, reply) => {
    admin(request);
    store.deleteProject((request.params as Params).id!);
    return reply.code(204).send();
  });

  // Users
  app.get('/v3/users', async (request) => {
    admin(request);
    const q = request.query as Query;
    return list(request, 'users', store.listUsers({ ...(q.name !== undefined && { name: q.name }), ...(q.domain_id !== undefined && { domainId: q.domain_id }) }).map((u) => userView(baseUrlOf(request), u)));
  });
  app.get('/v3/users/:id', async (request) => {
    const id = (request.params as Params).id!;
    adminOrSelf(request, id);
    return { user: userView(baseUrlOf(request), store.getUser(id)) };
  });
  app.get('/v3/users/:id/projects', async (request) => {
    const id = (request.params as Params).id!;
    adminOrSelf(request, id);
    return list(request, 'projects', store.listProjects({ userId: id }).map((p) => projectView(baseUrlOf(request), p)));
  });
  app.post('/v3/users', async (request, reply) => {
    const ctx = admin(request);
    const body = requireObject(request.body, 'user');
    const user = store.createUser({
      name: optionalString(body, 'name') ?? '', domainId: optionalString(body, 'domain_id') ?? ctx.userDomainId,
      ...(optionalString(body, 'password') !== undefined && { password: optionalString(body, 'password')! }),
      ...(optionalString(body, 'email') !== undefined && { email: optionalString(body, 'email')! }),
      ...(optionalString(body, 'description') !== undefined && { description: optionalString(body, 'description')! }),
      ...(optionalString(body, 'default_project_id') !== undefined && { defaultProjectId: optionalString(body, 'default_project_id')! }),
      enabled: optionalBoolean(body, 'enabled') ?? true,
    });
    return reply.code(201).send({ user: userView(baseUrlOf(request), user) });
  });
  app.patch('/v3/users/:id', async (request) => {
    admin(request);
    const body = requireObject(request.body, 'user');
    const changes = {
      ...(optionalString(body, 'name') !== undefined && { name: optionalString(body, 'name')! }),
      ...(optionalString(body, 'password') !== undefined && { password: optionalString(body, 'password')! }),
      ...(optionalString(body, 'email') !== undefined && { email: optionalString(body, 'email')! }),
      ...(optionalString(body, 'description') !== undefined && { description: optionalString(body, 'description')! }),
      ...(optionalString(body, 'default_project_id') !== undefined && { defaultProjectId: optionalString(body, 'default_project_id')! }),
      ...(optionalBoolean(body, 'enabled') !== undefined && { enabled: optionalBoolean(body, 'enabled')! }),
    };
    return { user: userView(baseUrlOf(request), store.updateUser((request.params as Params).id!, changes)) };
  });
  app.delete('/v3/users/:id', async (request, reply) => {
    admin(request);
    store.deleteUser((request.params as Params).id!);
    return reply.code(204).send();
  });

  // Roles
  app.get('/v3/roles', async (request) => {
    authenticate(request, identity.tokens);
    const name = (request.query as Query).name;
    return list(request, 'roles', store.listRoles({ ...(name !== undefined && { name }) }).map((r) => roleView(baseUrlOf(request), r)));
  });
  app.get('/v3/roles/:id', async (request) => {
    authenticate(request, identity.tokens);
    return { role: roleView(baseUrlOf(request), store.getRole((request.params as Params).id!)) };
  });
  app.post('/v3/roles', async (request, reply) => {
    admin(request);
    const body = requireObject(request.body, 'role');
    return reply.code(201).send({ role: roleView(baseUrlOf(request), store.createRole(optionalString(body, 'name') ?? '')) });
  });
  app.delete('/v3/roles/:id', async (request, reply) => {
    admin(request);
    store.deleteRole((request.params as Params).id!);
    return reply.code(204).send();
  });

  registerAssignmentRoutes(app, identity, admin, adminOrSelf);
}
