/**
 * Carries out stack operations: creates resources in dependency order, independent ones
 * at once; on a failure rolls back (unless disabled) by deleting what was made, in reverse;
 * deletes in reverse order. Every step is a resource event, and the stack's own start and
 * end are stack-level events, which is what `openstack stack create --wait` waits for.
 */
import type winston from 'winston';
import {
  compileStack, physicalResourceName, requestEnvironment, parseTemplate, selectPath,
  type Resolver, type ResourceContext, type ResourceState, type ResourceType, type ResourceTypeRegistry, type StackDefinition, type UpdatePlan,
} from '../../translators/heat/index.js';
import type { HeatClients } from './heat-clients.js';
import { templateResourceType } from './resources/template-resource.js';
import { runUpdate, storedDefinitionOf, type StoredDefinition } from './stack-update.js';
import type { StackRecord, StackStore } from './stack-store.js';

type Registry = ResourceTypeRegistry<HeatClients>;

/** Compiles a stored stack (or a request for one) into its definition. */
export async function compileStored(stack: Pick<StackRecord, 'id' | 'name' | 'projectId' | 'template' | 'environment' | 'files' | 'parameters'>, registry: Registry): Promise<StackDefinition> {
  const template = parseTemplate(stack.template as object | string, { filename: 'template' });
  const env = stack.environment as { environment?: object | string; environmentFiles?: string[] };
  const environment = requestEnvironment({ ...env, files: stack.files }, template.parameters);
  return compileStack(template, {
    identity: { stackName: stack.name, stackId: stack.id, projectId: stack.projectId },
    files: stack.files, environment, parameters: stack.parameters, registry: registry as never,
  });
}

export class StackRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(readonly store: StackStore, readonly registry: Registry, private readonly clients: (stack: StackRecord) => HeatClients, private readonly log: winston.Logger) {}

  /** Sets the stack's status and records it as a stack-level event (what `--wait` watches). */
  stackEvent(stack: StackRecord, status: string, reason: string): void {
    this.store.setStatus(stack.id, status, reason);
    this.store.addEvent({ stackId: stack.id, resourceName: stack.name, physicalId: stack.id, resourceType: 'OS::Heat::Stack', status, reason });
  }

  /** Records a resource's new status (and state, when given; null forgets it) with its event. */
  resourceEvent(stack: StackRecord, name: string, type: string, status: string, reason: string, state?: ResourceState | null): void {
    this.store.upsertResource(stack.id, name, type, status, reason, state === undefined ? undefined : state === null ? null : { physicalId: state.physicalId, data: { ...state.data } });
    const physicalId = state?.physicalId ?? this.store.resources(stack.id).find((r) => r.name === name)?.physicalId ?? '';
    this.store.addEvent({ stackId: stack.id, resourceName: name, physicalId, resourceType: type, status, reason });
  }

  typeOf(def: StackDefinition, name: string): ResourceType<HeatClients> {
    const mapping = def.resources.get(name)!.mapping;
    if (mapping.kind === 'template') return templateResourceType(mapping.template, this.registry, def.runtime().files);
    const type = this.registry.get(mapping.type);
    if (!type) throw new Error(`resource ${name}: the resource type ${mapping.type} is not available on this cloud`);
    return type;
  }

  /** What resource handlers see, and what get_resource/get_attr read, for one stack. */
  contexts(stack: StackRecord, def: StackDefinition) {
    const states = new Map<string, ResourceState>();
    for (const r of this.store.resources(stack.id)) if (r.state) states.set(r.name, r.state);
    const ctx = (name: string): ResourceContext<HeatClients> => ({
      stackName: stack.name, stackId: stack.id, projectId: stack.projectId, resourceName: name,
      physicalName: physicalResourceName(stack.name, name), clients: this.clients(stack),
    });
    const resolver = {
      getResource: (name: string) => {
        const state = states.get(name)!;
        return this.typeOf(def, name).handler.referenceId?.(state) ?? state.physicalId;
      },
      getAttr: async (name: string, path: ReadonlyArray<string | number>) => {
        const type = this.typeOf(def, name);
        const state = states.get(name)!;
        if (path.length === 0) {
          const all: Record<string, unknown> = {};
          for (const attr of Object.keys(type.attributes)) all[attr] = await type.handler.attribute(ctx(name), state, attr);
          return all;
        }
        return selectPath(await type.handler.attribute(ctx(name), state, String(path[0])), path.slice(1));
      },
    };
    return { states, ctx, resolver };
  }

  /** Runs a stack operation in the background; close() waits for it. */
  track(work: Promise<void>): void {
    const done: Promise<void> = work.catch((err: unknown) => { this.log.error('stack operation failed', { error: String((err as Error)?.stack ?? err) }); })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  create(stack: StackRecord, def: StackDefinition): void {
    this.stackEvent(stack, 'CREATE_IN_PROGRESS', 'Stack CREATE started');
    this.track(this.createAll(stack, def));
  }

  /** Creates one resource from its definition; records its events and state, throws its failure message. */
  async createResource(stack: StackRecord, def: StackDefinition, name: string, states: Map<string, ResourceState>, ctx: (name: string) => ResourceContext<HeatClients>, resolver: Resolver, action = 'CREATE'): Promise<ResourceState> {
    const typeName = def.resources.get(name)!.mapping.type;
    this.resourceEvent(stack, name, typeName, `${action}_IN_PROGRESS`, action === 'CREATE' ? 'state changed' : 'replacing');
    try {
      const type = this.typeOf(def, name);
      const properties = await def.properties(name, resolver);
      const state = await type.handler.create(ctx(name), properties);
      states.set(name, state);
      // A handler's warning (a property accepted but ignored) is the reason users read in the events.
      this.resourceEvent(stack, name, typeName, `${action}_COMPLETE`, typeof state.data.warning === 'string' ? state.data.warning : 'state changed', state);
      return state;
    } catch (err) {
      const message = `${(err as Error).message}`;
      this.resourceEvent(stack, name, typeName, `${action}_FAILED`, message);
      throw new Error(message);
    }
  }

  private async createAll(stack: StackRecord, def: StackDefinition): Promise<void> {
    const { states, ctx, resolver } = this.contexts(stack, def);
    const done = new Set<string>(def.disabledResources);
    const started = new Set<string>();
    const inflight = new Map<string, Promise<void>>();
    let failure: string | undefined;
    const deadline = stack.timeoutMins !== undefined ? Date.now() + stack.timeoutMins * 60_000 : undefined;
    const createOne = async (name: string): Promise<void> => {
      try {
        await this.createResource(stack, def, name, states, ctx, resolver);
        done.add(name);
      } catch (err) {
        failure ??= `Resource CREATE failed: ${(err as Error).message}`;
      }
    };
    for (;;) {
      if (failure === undefined && deadline !== undefined && Date.now() > deadline) failure = 'Timed out';
      if (failure === undefined) {
        for (const name of def.graph.readyToCreate(done, started)) {
          started.add(name);
          const p = createOne(name).finally(() => inflight.delete(name));
          inflight.set(name, p);
        }
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight.values());
    }
    if (failure === undefined) {
      this.stackEvent(stack, 'CREATE_COMPLETE', 'Stack CREATE completed successfully');
      return;
    }
    this.stackEvent(stack, 'CREATE_FAILED', failure);
    if (stack.disableRollback) return;
    this.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', failure);
    const left = await this.deleteResources(stack, def, states, ctx);
    this.stackEvent(stack, left ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE', left ?? 'Stack ROLLBACK completed successfully');
  }

  /**
   * Deletes every created resource (or those in `only`) in reverse dependency order;
   * returns a failure reason, if any.
   */
  async deleteResources(stack: StackRecord, def: StackDefinition | undefined, states: Map<string, ResourceState>, ctx: (name: string) => ResourceContext<HeatClients>, only?: ReadonlySet<string>): Promise<string | undefined> {
    const records = this.store.resources(stack.id).filter((r) => only === undefined || only.has(r.name));
    const names = records.map((r) => r.name);
    const deleted = new Set<string>();
    let failure: string | undefined;
    const dependents = (n: string) => (def?.resources.has(n) ? def.graph.dependentsOf(n).filter((d) => names.includes(d)) : []);
    while (deleted.size < names.length) {
      const wave = names.filter((n) => !deleted.has(n) && dependents(n).every((d) => deleted.has(d)));
      if (wave.length === 0) wave.push(...names.filter((n) => !deleted.has(n)));
      await Promise.all(wave.map(async (name) => {
        const record = records.find((r) => r.name === name)!;
        const state = states.get(name);
        this.resourceEvent(stack, name, record.type, 'DELETE_IN_PROGRESS', 'state changed');
        try {
          const type = def?.resources.has(name) ? this.typeOf(def, name) : this.registry.get(record.type);
          if (state && type) await type.handler.delete(ctx(name), state);
          this.resourceEvent(stack, name, record.type, 'DELETE_COMPLETE', 'state changed', null);
          this.store.deleteResource(stack.id, name);
          states.delete(name);
        } catch (err) {
          this.resourceEvent(stack, name, record.type, 'DELETE_FAILED', (err as Error).message);
          failure ??= `Resource DELETE failed: ${(err as Error).message}`;
        }
        deleted.add(name);
      }));
    }
    return failure;
  }

  /**
   * Starts an update to `next` (already compiled into `newDef` and planned): the stack
   * holds the new definition from now on, and gets the previous one back on rollback.
   */
  update(stack: StackRecord, oldDef: StackDefinition, newDef: StackDefinition, plan: UpdatePlan, next: StoredDefinition): void {
    const previous = storedDefinitionOf(stack);
    this.store.replaceDefinition(stack.id, next);
    const updated = this.store.get(stack.id);
    this.stackEvent(updated, 'UPDATE_IN_PROGRESS', 'Stack UPDATE started');
    this.track(runUpdate(this, updated, oldDef, newDef, plan, previous));
  }

  delete(stack: StackRecord): void {
    this.stackEvent(stack, 'DELETE_IN_PROGRESS', 'Stack DELETE started');
    this.track((async () => {
      // A template that no longer compiles must still be deletable: order falls back to reverse creation.
      const def = await compileStored(stack, this.registry).catch(() => undefined);
      const { states, ctx } = def ? this.contexts(stack, def) : { states: new Map(this.store.resources(stack.id).filter((r) => r.state).map((r) => [r.name, r.state!])), ctx: (name: string) => ({ stackName: stack.name, stackId: stack.id, projectId: stack.projectId, resourceName: name, physicalName: physicalResourceName(stack.name, name), clients: this.clients(stack) }) };
      const failure = await this.deleteResources(stack, def, states, ctx);
      if (failure) {
        this.stackEvent(stack, 'DELETE_FAILED', failure);
        return;
      }
      this.stackEvent(stack, 'DELETE_COMPLETE', 'Stack DELETE completed successfully');
      this.store.markDeleted(stack.id);
    })());
  }

  /** Outputs as the API shows them, evaluated against the stack's resources now. */
  async outputs(stack: StackRecord) {
    const def = await compileStored(stack, this.registry);
    const { resolver } = this.contexts(stack, def);
    return def.outputValues(resolver);
  }

  /** Every attribute of one resource, as `stack resource show` lists them. */
  async attributes(stack: StackRecord, name: string): Promise<Record<string, unknown>> {
    const def = await compileStored(stack, this.registry);
    if (!def.resources.has(name)) return {};
    return (await this.contexts(stack, def).resolver.getAttr(name, [])) as Record<string, unknown>;
  }

  /** Aborted by close(): resources waiting on something outside (wait conditions) stop waiting. */
  readonly stopping = new AbortController();

  async close(): Promise<void> {
    this.stopping.abort();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
