/**
 * Heat v1 update and preview: `PUT` (a new template and parameters) and `PATCH` (`--existing`:
 * the stored template, environment and parameters, overlaid with what the request gives)
 * on `/stacks/{name}[/{id}]`, their `/preview` (what would be added, updated, replaced,
 * deleted or left alone), and `POST /stacks/preview` (`stack create --dry-run`). A request
 * whose template does not compile, or whose plan is refused, changes nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { diffStacks, replaceDeferred, type StackDefinition } from '../../translators/heat/index.js';
import { badRequest, conflict } from '../http/api-error.js';
import { projectOf, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import { compileStored, type StackRunner } from './stack-runner.js';
import type { StackRecord } from './stack-store.js';
import { storedDefinitionOf, type StoredDefinition } from './stack-update.js';
import { stackDetail, stackUrl } from './stack-views.js';

type Json = Record<string, any>;

/** What the stack routes share with these. */
export interface StackRouteHelpers {
  caller(request: FastifyRequest): RequestContext;
  writer(request: FastifyRequest): RequestContext;
  stackOf(request: FastifyRequest): StackRecord;
  /** Refuses a definition naming a resource type this cloud does not have. */
  checkTypes(def: StackDefinition): void;
}

/** The definition a PUT or PATCH body asks for, given the stored one. */
function requestedDefinition(stack: StackRecord, body: Json, existing: boolean, ctx: RequestContext): StoredDefinition {
  const current = storedDefinitionOf(stack);
  if (body.template === undefined && !existing) throw badRequest(body.template_url !== undefined ? 'template_url is not supported here: send the template itself.' : 'No template specified.');
  const cleared = Array.isArray(body.clear_parameters) ? (body.clear_parameters as string[]) : [];
  const parameters = existing ? { ...current.parameters, ...(body.parameters ?? {}) } : { ...(body.parameters ?? {}) };
  for (const name of cleared) delete parameters[name];
  const environment = body.environment !== undefined || body.environment_files !== undefined || !existing
    ? { environment: body.environment ?? {}, environmentFiles: body.environment_files ?? [] } : current.environment;
  return {
    template: body.template ?? current.template,
    files: existing ? { ...current.files, ...(body.files ?? {}) } : (body.files ?? {}),
    environment, parameters,
    disableRollback: typeof body.disable_rollback === 'boolean' ? body.disable_rollback : current.disableRollback,
    ...(typeof body.timeout_mins === 'number' ? { timeoutMins: body.timeout_mins } : current.timeoutMins !== undefined ? { timeoutMins: current.timeoutMins } : {}),
    tags: typeof body.tags === 'string' ? body.tags.split(',').filter(Boolean) : Array.isArray(body.tags) ? body.tags : current.tags,
    caller: ctx, description: current.description,
  };
}

export function registerStackUpdateRoutes(app: FastifyInstance, runner: StackRunner, helpers: StackRouteHelpers): void {
  const plan = async (request: FastifyRequest, existing: boolean) => {
    const ctx = helpers.writer(request);
    const stack = helpers.stackOf(request);
    if (stack.status.endsWith('_IN_PROGRESS') || stack.deletedAt) throw conflict(`Stack ${stack.name} is ${stack.status}: it cannot be updated now.`);
    const next = requestedDefinition(stack, (request.body ?? {}) as Json, existing, ctx);
    const newDef = await compileStored({ ...stack, ...next }, runner.registry);
    helpers.checkTypes(newDef);
    const oldDef = await compileStored(stack, runner.registry);
    const changes = await diffStacks(oldDef, newDef, runner.registry);
    return { stack, next: { ...next, description: newDef.description }, oldDef, newDef, changes };
  };

  const update = (existing: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { stack, next, oldDef, newDef, changes } = await plan(request, existing);
    runner.update(stack, oldDef, newDef, changes, next);
    return reply.code(202).send();
  };
  for (const path of ['/v1/:tenant/stacks/:name', '/v1/:tenant/stacks/:name/:id']) {
    app.put(path, update(false));
    app.patch(path, update(true));
  }

  const preview = (existing: boolean) => async (request: FastifyRequest) => {
    const { stack, oldDef, newDef, changes } = await plan(request, existing);
    // As the update runs it: a changed resource whose type cannot update in place is replaced.
    const inPlace = (u: { name: string; properties: readonly string[] }) => u.properties.length === 0 || runner.typeOf(newDef, u.name).handler.update !== undefined;
    const entry = (name: string, def: StackDefinition) => ({
      resource_name: name, resource_type: def.resources.get(name)?.type ?? '',
      resource_identity: { stack_name: stack.name, stack_id: stack.id, tenant: stack.projectId, path: `/resources/${name}` },
    });
    return {
      resource_changes: {
        added: changes.add.map((n) => entry(n, newDef)),
        deleted: changes.remove.map((n) => entry(n, oldDef)),
        replaced: [...changes.replace.map((r) => r.name), ...changes.update.filter((u) => !inPlace(u)).map((u) => u.name)].map((n) => entry(n, newDef)),
        updated: changes.update.filter(inPlace).map((u) => entry(u.name, newDef)),
        unchanged: changes.unchanged.map((n) => entry(n, newDef)),
      },
    };
  };
  app.put('/v1/:tenant/stacks/:name/:id/preview', preview(false));
  app.patch('/v1/:tenant/stacks/:name/:id/preview', preview(true));

  // `stack create --dry-run`: the stack as it would be, each resource with the properties known before anything exists.
  app.post('/v1/:tenant/stacks/preview', async (request) => {
    const ctx = helpers.caller(request);
    const body = (request.body ?? {}) as Json;
    if (typeof body.stack_name !== 'string' || body.stack_name === '') throw badRequest('A stack name is required.');
    if (body.template === undefined) throw badRequest('No template specified.');
    const now = new Date();
    const draft: StackRecord = {
      id: 'None', name: body.stack_name, projectId: projectOf(ctx), userId: ctx.userId, status: 'INIT_COMPLETE', statusReason: '', description: '',
      template: body.template, files: body.files ?? {}, environment: { environment: body.environment ?? {}, environmentFiles: body.environment_files ?? [] },
      parameters: body.parameters ?? {}, disableRollback: body.disable_rollback !== false, tags: [], caller: ctx, createdAt: now,
    };
    const def = await compileStored(draft, runner.registry);
    helpers.checkTypes(def);
    const base = baseUrlOf(request);
    const resources = [];
    for (const [name, r] of def.resources) {
      resources.push({
        resource_name: name, logical_resource_id: name, resource_type: r.type, physical_resource_id: '', description: r.description,
        properties: replaceDeferred(await def.properties(name)), metadata: replaceDeferred(await def.metadata(name)) ?? {},
        required_by: def.graph.dependentsOf(name), resource_action: 'INIT', resource_status: 'COMPLETE', resource_status_reason: '',
        stack_name: body.stack_name, stack_identity: { stack_name: body.stack_name, stack_id: 'None', tenant: draft.projectId, path: '' },
        creation_time: null, updated_time: null, links: [{ href: `${stackUrl(base, draft)}/resources/${name}`, rel: 'self' }],
      });
    }
    return { stack: { ...stackDetail(base, { ...draft, description: def.description }, def.displayParameters(), undefined), resources } };
  });
}
