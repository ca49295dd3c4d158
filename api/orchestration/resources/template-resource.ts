/**
 * Template resources (a type that is a template file, directly or through the environment's
 * resource_registry): a nested stack whose parameters are the resource's properties and
 * whose outputs are its attributes. Its resources are created in their dependency order,
 * independent ones at once; a failure deletes what the nested stack made; delete goes in
 * reverse order. `get_resource` gives the nested stack's id; `get_attr [r, OUTPUT]` an
 * output, and `OS::stack_id` the id.
 *
 * LIMITATIONS: Heat shows a nested stack as a stack of its own (`stack list --nested`,
 * `resource list --nested-depth`); here its resources live in the parent resource's state
 * and are not listed. Any change of properties replaces the whole nested stack.
 */
import { randomUUID } from 'node:crypto';
import {
  compileStack, physicalResourceName, selectPath,
  type ResourceContext, type ResourceState, type ResourceType, type ResourceTypeRegistry, type StackDefinition,
} from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { configTypeNames } from './software-config.js';

type Registry = ResourceTypeRegistry<HeatClients>;
interface Nested { id: string; name: string; resources: Record<string, { type: string; state: ResourceState }> }

/** The nested stack's resources' types: registered ones, or templates again (up to the depth limit). */
function memberType(def: StackDefinition, name: string, registry: Registry, files: Readonly<Record<string, string>>, depth: number): ResourceType<HeatClients> {
  const mapping = def.resources.get(name)!.mapping;
  if (mapping.kind === 'template') return templateResourceType(mapping.template, registry, files, depth + 1);
  const type = registry.get(mapping.type);
  if (!type) throw new Error(`resource ${name}: the resource type ${mapping.type} is not available on this cloud`);
  return type;
}

/** The resource type for one template file (`template` is its key in the files map). */
export function templateResourceType(template: string, registry: Registry, files: Readonly<Record<string, string>>, depth = 1): ResourceType<HeatClients> {
  const compile = (ctx: ResourceContext<HeatClients>, nested: Pick<Nested, 'id' | 'name'>, parameters: Record<string, unknown>) => compileStack(files[template]!, {
    identity: { stackName: nested.name, stackId: nested.id, projectId: ctx.projectId }, filename: template, files,
    parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v])),
    registry: registry as never, depth,
  });
  const contexts = (ctx: ResourceContext<HeatClients>, def: StackDefinition, nested: Nested) => {
    // Software configs of the nested stack live in its state, not in the stack table: look there first.
    const clients: HeatClients = {
      ...ctx.clients,
      configContent: (id) => {
        const own = Object.values(nested.resources).find((r) => r.state.physicalId === id && (configTypeNames as readonly string[]).includes(r.type));
        return (own?.state.data.config as string | undefined) ?? ctx.clients.configContent(id);
      },
    };
    const inner = (name: string): ResourceContext<HeatClients> => ({ ...ctx, clients, stackName: nested.name, stackId: nested.id, resourceName: name, physicalName: physicalResourceName(nested.name, name) });
    const type = (name: string) => memberType(def, name, registry, files, depth);
    const resolver = {
      getResource: (name: string) => {
        const r = nested.resources[name]!;
        return type(name).handler.referenceId?.(r.state) ?? r.state.physicalId;
      },
      getAttr: async (name: string, path: ReadonlyArray<string | number>) => {
        const r = nested.resources[name]!;
        if (path.length === 0) {
          const all: Record<string, unknown> = {};
          for (const attr of Object.keys(type(name).attributes)) all[attr] = await type(name).handler.attribute(inner(name), r.state, attr);
          return all;
        }
        return selectPath(await type(name).handler.attribute(inner(name), r.state, String(path[0])), path.slice(1));
      },
    };
    return { inner, type, resolver };
  };
  const deleteAll = async (ctx: ResourceContext<HeatClients>, def: StackDefinition | undefined, nested: Nested): Promise<void> => {
    const names = Object.keys(nested.resources);
    const deleted = new Set<string>();
    let failure: unknown;
    while (deleted.size < names.length) {
      let wave = names.filter((n) => !deleted.has(n) && (def?.graph.dependentsOf(n) ?? []).every((d) => deleted.has(d) || !names.includes(d)));
      if (wave.length === 0) wave = names.filter((n) => !deleted.has(n));
      await Promise.all(wave.map(async (name) => {
        const r = nested.resources[name]!;
        const type = def?.resources.has(name) ? memberType(def, name, registry, files, depth) : registry.get(r.type);
        try {
          await type?.handler.delete({ ...ctx, stackName: nested.name, stackId: nested.id, resourceName: name }, r.state);
        } catch (err) {
          failure ??= err;
        }
        deleted.add(name);
      }));
    }
    if (failure !== undefined) throw failure;
  };

  return {
    name: template,
    description: `A nested stack from ${template}.`,
    properties: {},
    attributes: {},
    anyProperties: true,
    anyAttributes: true,
    handler: {
      async create(ctx, properties) {
        if (files[template] === undefined) throw new Error(`template ${template} is not in the files map`);
        const nested: Nested = { id: randomUUID(), name: `${ctx.stackName}-${ctx.resourceName}-${randomUUID().slice(0, 12)}`, resources: {} };
        const def = await compile(ctx, nested, { ...properties });
        const { inner, type, resolver } = contexts(ctx, def, nested);
        const done = new Set<string>(def.disabledResources);
        const started = new Set<string>();
        const inflight = new Map<string, Promise<void>>();
        let failure: Error | undefined;
        const one = async (name: string) => {
          try {
            const state = await type(name).handler.create(inner(name), await def.properties(name, resolver));
            nested.resources[name] = { type: type(name).name, state };
            done.add(name);
          } catch (err) {
            failure ??= new Error(`nested resource ${name}: ${(err as Error).message}`);
          }
        };
        for (;;) {
          if (failure === undefined) {
            for (const name of def.graph.readyToCreate(done, started)) {
              started.add(name);
              inflight.set(name, one(name).finally(() => inflight.delete(name)));
            }
          }
          if (inflight.size === 0) break;
          await Promise.race(inflight.values());
        }
        if (failure !== undefined) {
          await deleteAll(ctx, def, nested).catch(() => undefined);
          throw failure;
        }
        return { physicalId: nested.id, data: { nested, properties } };
      },
      async delete(ctx, state) {
        const nested = state.data.nested as Nested;
        const def = await compile(ctx, nested, (state.data.properties ?? {}) as Record<string, unknown>).catch(() => undefined);
        await deleteAll(ctx, def, nested);
      },
      async attribute(ctx, state, name) {
        const nested = state.data.nested as Nested;
        if (name === 'OS::stack_id') return nested.id;
        const def = await compile(ctx, nested, (state.data.properties ?? {}) as Record<string, unknown>);
        if (!def.outputs.has(name)) throw new Error(`the nested stack ${template} has no output "${name}"`);
        return def.outputValue(name, contexts(ctx, def, nested).resolver);
      },
    },
  };
}
