/**
 * `openstack stack update`: carries out an update plan (translators/heat diffStacks) in the
 * new template's dependency order. Added resources are created; resources whose changed
 * properties all allow it are updated in place; the others are replaced — the new one is
 * created first, and the old one deleted only once the whole update succeeded, so a failed
 * update with rollback can put the old one back; untouched resources keep their physical
 * ids. Removed resources are deleted last, in the old template's reverse order. The stack
 * has UPDATE_IN_PROGRESS then UPDATE_COMPLETE or UPDATE_FAILED stack-level events (what
 * `--wait` watches), followed by ROLLBACK_* when rollback is enabled.
 */
import type { ResourceState, ResourceType, StackDefinition, UpdatePlan } from '../../translators/heat/index.js';
import type { HeatClients } from './heat-clients.js';
import type { StackRunner } from './stack-runner.js';
import type { StackRecord } from './stack-store.js';

/** What a stack is made from; an update replaces it and rollback restores it. */
export type StoredDefinition = Pick<StackRecord, 'template' | 'environment' | 'files' | 'parameters' | 'disableRollback' | 'tags' | 'caller' | 'description'> & { timeoutMins?: number };

export function storedDefinitionOf(stack: StackRecord): StoredDefinition {
  return {
    template: stack.template, environment: stack.environment, files: stack.files, parameters: stack.parameters, disableRollback: stack.disableRollback,
    tags: stack.tags, caller: stack.caller, description: stack.description, ...(stack.timeoutMins !== undefined && { timeoutMins: stack.timeoutMins }),
  };
}

/** How to undo one step that succeeded, for rollback. */
type UndoStep =
  | { kind: 'created'; name: string }
  | { kind: 'replaced'; name: string; type: string; oldType: ResourceType<HeatClients>; old: ResourceState }
  | { kind: 'updated'; name: string; type: string; old: ResourceState; oldProperties: Record<string, unknown>; changed: readonly string[] };

const typeNameOf = (def: StackDefinition, name: string): string => def.resources.get(name)?.mapping.type ?? 'unknown';

/** Runs the update; `previous` is what rollback restores. The stack already holds `next`. */
export async function runUpdate(runner: StackRunner, stack: StackRecord, oldDef: StackDefinition, newDef: StackDefinition, plan: UpdatePlan, previous: StoredDefinition): Promise<void> {
  const { states, ctx, resolver } = runner.contexts(stack, newDef);
  const before = new Map(states);
  const old = runner.contexts(stack, oldDef);
  // A changed resource whose type cannot update in place (a template resource) is replaced.
  const inPlace = (u: UpdatePlan['update'][number]) => u.properties.length === 0 || runner.typeOf(newDef, u.name).handler.update !== undefined;
  const updates = new Map(plan.update.filter(inPlace).map((u) => [u.name, u]));
  const replacing = new Set([...plan.replace.map((r) => r.name), ...plan.update.filter((u) => !inPlace(u)).map((u) => u.name)]);
  const adding = new Set(plan.add);
  const done = new Set<string>([...plan.unchanged, ...newDef.disabledResources]);
  const started = new Set<string>();
  const inflight = new Map<string, Promise<void>>();
  const undo: UndoStep[] = [];
  let failure: string | undefined;
  const deadline = stack.timeoutMins !== undefined ? Date.now() + stack.timeoutMins * 60_000 : undefined;

  const updateInPlace = async (name: string): Promise<void> => {
    const typeName = typeNameOf(newDef, name);
    const change = updates.get(name)!;
    const current = before.get(name);
    runner.resourceEvent(stack, name, typeName, 'UPDATE_IN_PROGRESS', 'state changed');
    try {
      const type = runner.typeOf(newDef, name);
      let next = current;
      if (current !== undefined && type.handler.update !== undefined && change.properties.length > 0) {
        const properties = await newDef.properties(name, resolver);
        const oldProperties = await oldDef.properties(name, old.resolver);
        next = await type.handler.update(ctx(name), current, properties, change.properties);
        undo.push({ kind: 'updated', name, type: typeName, old: current, oldProperties, changed: change.properties });
      }
      if (next !== undefined) states.set(name, next);
      runner.resourceEvent(stack, name, typeName, 'UPDATE_COMPLETE', 'state changed', next);
    } catch (err) {
      runner.resourceEvent(stack, name, typeName, 'UPDATE_FAILED', (err as Error).message);
      throw err;
    }
  };
  const one = async (name: string): Promise<void> => {
    try {
      if (adding.has(name)) {
        await runner.createResource(stack, newDef, name, states, ctx, resolver);
        undo.push({ kind: 'created', name });
      } else if (replacing.has(name)) {
        const current = before.get(name);
        await runner.createResource(stack, newDef, name, states, ctx, resolver, 'UPDATE');
        if (current !== undefined) undo.push({ kind: 'replaced', name, type: typeNameOf(oldDef, name), oldType: runner.typeOf(oldDef, name), old: current });
      } else {
        await updateInPlace(name);
      }
      done.add(name);
    } catch (err) {
      failure ??= `Resource UPDATE failed: ${(err as Error).message}`;
    }
  };

  for (;;) {
    if (failure === undefined && deadline !== undefined && Date.now() > deadline) failure = 'Timed out';
    if (failure === undefined) {
      for (const name of newDef.graph.readyToCreate(done, started)) {
        started.add(name);
        inflight.set(name, one(name).finally(() => inflight.delete(name)));
      }
    }
    if (inflight.size === 0) break;
    await Promise.race(inflight.values());
  }

  if (failure === undefined) {
    const left = (await deleteReplaced(runner, stack, undo, ctx)) ?? (await runner.deleteResources(stack, oldDef, states, old.ctx, new Set(plan.remove)));
    if (left !== undefined) runner.stackEvent(stack, 'UPDATE_FAILED', left);
    else runner.stackEvent(stack, 'UPDATE_COMPLETE', 'Stack UPDATE completed successfully');
    return;
  }
  runner.stackEvent(stack, 'UPDATE_FAILED', failure);
  if (stack.disableRollback) {
    // Without rollback the new resources stay; the old ones they replaced go, as nothing refers to them.
    await deleteReplaced(runner, stack, undo, ctx);
    return;
  }
  runner.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', failure);
  const left = await rollBack(runner, stack, newDef, undo, states, ctx);
  runner.store.replaceDefinition(stack.id, previous);
  runner.stackEvent(stack, left ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE', left ?? 'Stack ROLLBACK completed successfully');
}

/** Deletes the old resources that replacements took the place of; their events carry the old physical ids. */
async function deleteReplaced(runner: StackRunner, stack: StackRecord, undo: UndoStep[], ctx: ReturnType<StackRunner['contexts']>['ctx']): Promise<string | undefined> {
  let failure: string | undefined;
  await Promise.all(undo.filter((u) => u.kind === 'replaced').map(async (u) => {
    const event = (status: string, reason: string) => runner.store.addEvent({ stackId: stack.id, resourceName: u.name, physicalId: u.old.physicalId, resourceType: u.type, status, reason });
    event('DELETE_IN_PROGRESS', 'deleting the replaced resource');
    try {
      await u.oldType.handler.delete(ctx(u.name), u.old);
      event('DELETE_COMPLETE', 'replaced');
    } catch (err) {
      event('DELETE_FAILED', (err as Error).message);
      failure ??= `Resource DELETE failed: ${(err as Error).message}`;
    }
  }));
  return failure;
}

/** Undoes the steps that succeeded, newest first; returns a failure reason, if any. */
async function rollBack(runner: StackRunner, stack: StackRecord, newDef: StackDefinition, undo: UndoStep[], states: Map<string, ResourceState>, ctx: ReturnType<StackRunner['contexts']>['ctx']): Promise<string | undefined> {
  let failure: string | undefined;
  for (const step of [...undo].reverse()) {
    try {
      if (step.kind === 'created') {
        const left = await runner.deleteResources(stack, newDef, states, ctx, new Set([step.name]));
        if (left !== undefined) throw new Error(left);
      } else if (step.kind === 'replaced') {
        const replacement = states.get(step.name);
        const type = runner.typeOf(newDef, step.name);
        if (replacement !== undefined && replacement !== step.old) await type?.handler.delete(ctx(step.name), replacement);
        states.set(step.name, step.old);
        runner.resourceEvent(stack, step.name, step.type, 'UPDATE_COMPLETE', 'rolled back to the previous resource', step.old);
      } else {
        const type = runner.registry.get(step.type);
        const restored = await type!.handler.update!(ctx(step.name), states.get(step.name) ?? step.old, step.oldProperties, step.changed);
        states.set(step.name, restored);
        runner.resourceEvent(stack, step.name, step.type, 'UPDATE_COMPLETE', 'rolled back to the previous properties', restored);
      }
    } catch (err) {
      failure ??= `Resource ROLLBACK failed: ${(err as Error).message}`;
    }
  }
  return failure;
}
