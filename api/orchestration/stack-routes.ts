/**
 * Heat v1 stacks under `/heat-api/v1/{project_id}`: create, list, the name → id 302 that
 * heatclient relies on, show, delete, events, resources, outputs, template, validate and
 * resource types. A stack belongs to its project: another project's stack is a 404.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../engine/errors.js';
import { resourceTypeView, templateValidateView, type StackDefinition } from '../../translators/heat/index.js';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, canWrite, projectOf, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import { compileStored, type StackRunner } from './stack-runner.js';
import type { StackRecord, StackStore } from './stack-store.js';
import { registerStackUpdateRoutes } from './stack-update-routes.js';
import { nestedResourceRows } from './nested-resource-views.js';
import { eventView, resourceView, stackDetail, stackSummary, stackUrl } from './stack-views.js';
import { acceptSignal } from './wait-condition-signal.js';
import type { TokenValidator } from '../http/request-context.js';

type Json = Record<string, any>;
const stackNamePattern = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;
const maxStacksPerProject = 512;

export interface StackRouteDeps {
  tokens: TokenValidator; store: StackStore; runner: StackRunner;
}

export function registerStackRoutes(app: FastifyInstance, deps: StackRouteDeps): void {
  const { store, runner } = deps;
  /** Authenticates and checks the URL's project is the token's. */
  const caller = (request: FastifyRequest): RequestContext => {
    const ctx = authenticate(request, deps.tokens);
    if ((request.params as Json).tenant !== projectOf(ctx)) throw forbidden('The request is for another project than the token.');
    return ctx;
  };
  const writer = (request: FastifyRequest): RequestContext => {
    const ctx = caller(request);
    if (!canWrite(ctx)) throw forbidden('You are not authorized to use this action.');
    return ctx;
  };
  const stackOf = (request: FastifyRequest): StackRecord => {
    const p = request.params as Json;
    const stack = store.find(p.tenant, p.id ?? p.name);
    if (p.id !== undefined && p.name !== undefined && stack.name !== p.name) throw new NotFoundError(`The Stack (${p.name}) could not be found.`);
    return stack;
  };
  const base = (r: FastifyRequest) => baseUrlOf(r);
  const checkTypes = (def: StackDefinition): void => {
    for (const name of def.resources.keys()) {
      const mapping = def.resources.get(name)!.mapping;
      if (mapping.kind === 'type' && !runner.registry.has(mapping.type)) throw badRequest(`The Resource Type (${mapping.type}) could not be found.`);
    }
  };
  registerStackUpdateRoutes(app, runner, { caller, writer, stackOf, checkTypes });

  app.get('/v1/:tenant/stacks', async (request) => {
    const ctx = caller(request);
    return { stacks: store.list(projectOf(ctx)).map((s) => stackSummary(base(request), s)) };
  });

  app.post('/v1/:tenant/stacks', async (request, reply) => {
    const ctx = writer(request);
    const body = (request.body ?? {}) as Json;
    if (typeof body.stack_name !== 'string' || !stackNamePattern.test(body.stack_name)) throw badRequest(`Invalid stack name ${body.stack_name}: must start with a letter and contain only letters, digits, '_', '-' and '.'.`);
    if (body.template === undefined) throw badRequest(body.template_url !== undefined ? 'template_url is not supported here: send the template itself.' : 'No template specified.');
    if (store.countLive(projectOf(ctx)) >= maxStacksPerProject) throw forbidden(`You have reached the maximum stacks per tenant, ${maxStacksPerProject}.`);
    const draft = {
      id: randomUUID(), name: body.stack_name, projectId: projectOf(ctx), userId: ctx.userId,
      template: typeof body.template === 'string' ? body.template : body.template, files: (body.files ?? {}) as Record<string, string>,
      environment: { environment: body.environment ?? {}, environmentFiles: body.environment_files ?? [] }, parameters: (body.parameters ?? {}) as Record<string, unknown>,
    };
    // Compiling first: a template that does not validate creates nothing.
    const def = await compileStored(draft, runner.registry);
    checkTypes(def);
    const stack = store.insert({
      ...draft, status: 'CREATE_IN_PROGRESS', statusReason: 'Stack CREATE started', description: def.description,
      disableRollback: body.disable_rollback !== false, ...(typeof body.timeout_mins === 'number' && { timeoutMins: body.timeout_mins }),
      tags: typeof body.tags === 'string' ? body.tags.split(',').filter(Boolean) : Array.isArray(body.tags) ? body.tags : [], caller: ctx,
    });
    runner.create(stack, def);
    return reply.code(201).send({ stack: { id: stack.id, links: [{ href: stackUrl(base(request), stack), rel: 'self' }] } });
  });

  // heatclient resolves names with this GET without following redirects, then splits the Location.
  const redirect = async (request: FastifyRequest, reply: FastifyReply) => {
    caller(request);
    const stack = stackOf(request);
    const rest = (request.params as Json)['*'];
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.code(302).header('location', `${stackUrl(base(request), stack)}${rest ? `/${rest}` : ''}${query}`).send();
  };
  app.get('/v1/:tenant/stacks/:name', redirect);

  const show = async (request: FastifyRequest) => {
    caller(request);
    const stack = stackOf(request);
    const def = await compileStored(stack, runner.registry).catch(() => undefined);
    const resolveOutputs = String((request.query as Json).resolve_outputs ?? 'true').toLowerCase() !== 'false';
    const outputs = resolveOutputs && stack.status.endsWith('COMPLETE') && !stack.deletedAt ? await runner.outputs(stack).catch(() => []) : undefined;
    return { stack: stackDetail(base(request), stack, def?.displayParameters() ?? {}, outputs) };
  };
  app.get('/v1/:tenant/stacks/:name/:id', show);

  const remove = async (request: FastifyRequest, reply: FastifyReply) => {
    writer(request);
    const stack = stackOf(request);
    if (stack.deletedAt) throw new NotFoundError(`The Stack (${stack.name}) could not be found.`);
    if (stack.status !== 'DELETE_IN_PROGRESS') runner.delete(stack);
    return reply.code(204).send();
  };
  app.delete('/v1/:tenant/stacks/:name', remove);
  app.delete('/v1/:tenant/stacks/:name/:id', remove);

  const events = async (request: FastifyRequest) => {
    caller(request);
    const stack = stackOf(request);
    const q = request.query as Json;
    const list = store.events(stack.id, {
      ...(q.marker !== undefined && { marker: q.marker }), ...(q.limit !== undefined && { limit: Number(q.limit) }),
      desc: q.sort_dir === 'desc', ...((request.params as Json).resource !== undefined && { resourceName: (request.params as Json).resource }),
    });
    return { events: list.map((e) => eventView(base(request), stack, e)) };
  };
  app.get('/v1/:tenant/stacks/:name/events', events);
  app.get('/v1/:tenant/stacks/:name/:id/events', events);
  app.get('/v1/:tenant/stacks/:name/:id/resources/:resource/events', events);

  const resources = async (request: FastifyRequest) => {
    caller(request);
    const stack = stackOf(request);
    const def = await compileStored(stack, runner.registry).catch(() => undefined);
    const requiredBy = (n: string) => (def?.resources.has(n) ? def.graph.dependentsOf(n) : []);
    const depth = Math.min(Number((request.query as Json).nested_depth ?? 0) || 0, 5);
    return {
      resources: store.resources(stack.id).flatMap((r) => [resourceView(base(request), stack, r, requiredBy(r.name)), ...nestedResourceRows(base(request), stack, r, depth)]),
    };
  };
  app.get('/v1/:tenant/stacks/:name/resources', resources);
  app.get('/v1/:tenant/stacks/:name/:id/resources', resources);
  app.get('/v1/:tenant/stacks/:name/:id/resources/:resource', async (request) => {
    caller(request);
    const stack = stackOf(request);
    const r = store.resources(stack.id).find((x) => x.name === (request.params as Json).resource);
    if (!r) throw new NotFoundError(`The Resource (${(request.params as Json).resource}) could not be found.`);
    const attributes = r.state ? await runner.attributes(stack, r.name).catch(() => ({})) : {};
    return { resource: { ...resourceView(base(request), stack, r, []), attributes } };
  });

  // A wait condition handle's signal (wait-condition-signal.ts): the secret token in the URL stands for a login, so
  // a boot script can call it; without one, a Keystone token that may write to the project (`openstack stack resource signal`).
  app.post('/v1/:tenant/stacks/:name/:id/resources/:resource/signal', async (request, reply) => {
    const p = request.params as Json;
    const token = (request.query as Json).token;
    if (token === undefined) writer(request);
    acceptSignal(store, { projectId: p.tenant, stackName: p.name, stackId: p.id, resource: p.resource }, token === undefined ? 'authenticated' : { token: String(token) }, request.body);
    return reply.code(200).send();
  });

  const outputs = async (request: FastifyRequest) => {
    caller(request);
    const all = await runner.outputs(stackOf(request));
    return { outputs: all.map((o) => ({ output_key: o.output_key, description: o.description })) };
  };
  app.get('/v1/:tenant/stacks/:name/outputs', outputs);
  app.get('/v1/:tenant/stacks/:name/:id/outputs', outputs);
  app.get('/v1/:tenant/stacks/:name/:id/outputs/:key', async (request) => {
    caller(request);
    const output = (await runner.outputs(stackOf(request))).find((o) => o.output_key === (request.params as Json).key);
    if (!output) throw new NotFoundError(`Specified output key ${(request.params as Json).key} not found.`);
    return { output };
  });
  app.get('/v1/:tenant/stacks/:name/:id/template', async (request) => {
    caller(request);
    return stackOf(request).template;
  });

  app.post('/v1/:tenant/validate', async (request) => {
    const ctx = caller(request);
    const body = (request.body ?? {}) as Json;
    if (body.template === undefined) throw badRequest('No template specified.');
    const def = await compileStored({ id: 'None', name: 'validate', projectId: projectOf(ctx), template: body.template, files: body.files ?? {}, environment: { environment: body.environment ?? {}, environmentFiles: body.environment_files ?? [] }, parameters: body.parameters ?? {} }, runner.registry);
    return templateValidateView(def.template, undefined, body.parameters ?? {});
  });
  app.get('/v1/:tenant/resource_types', async (request) => {
    caller(request);
    return { resource_types: runner.registry.names() };
  });
  app.get('/v1/:tenant/resource_types/:type', async (request) => {
    caller(request);
    const type = runner.registry.get((request.params as Json).type);
    if (!type) throw new NotFoundError(`The Resource Type (${(request.params as Json).type}) could not be found.`);
    return resourceTypeView(type as never);
  });
}
