/**
 * Planning `stack update`: which resources stay as they are, which change in place,
 * which are replaced, added or removed. Properties are compared after partial
 * evaluation: parameters and every function that needs no resource are applied, while
 * `get_resource`/`get_attr` stay symbolic, so a changed parameter counts only where it
 * is used. A resource referring to a replaced resource sees that reference change too.
 * With a registry, each change is classified by its type (`updateAllowed` properties
 * change in place, others replace, which can cascade); without one, every change of an
 * existing resource of the same type is reported as an update candidate.
 */
import { evaluate } from './functions/evaluate.js';
import { deepEqual, DEFERRED, isMap, type Expr, type RuntimeContext } from './functions/function.js';
import { planResourceUpdate } from './resource-type.js';
import type { ResourceTypeRegistry } from './resource-registry.js';
import type { StackDefinition } from './stack-definition.js';
import { templateError } from './template-error.js';

/** An in-place update candidate: what differs. */
export interface ResourceUpdate {
  readonly name: string;
  /** Top-level property names whose value changes. */
  readonly properties: readonly string[];
  readonly metadataChanged: boolean;
  readonly updatePolicyChanged: boolean;
}

/** A resource that must be replaced, and why. */
export interface ResourceReplacement {
  readonly name: string;
  readonly reason: string;
  /** The changed properties, when that is the reason. */
  readonly properties: readonly string[];
}

/** The outcome of {@link diffStacks}; every resource of either stack is in exactly one list. */
export interface UpdatePlan {
  readonly unchanged: string[];
  readonly update: ResourceUpdate[];
  readonly replace: ResourceReplacement[];
  readonly add: string[];
  readonly remove: string[];
}

/** A snippet with everything static applied and resource references left as written. */
async function canonical(expr: Expr, runtime: RuntimeContext): Promise<unknown> {
  switch (expr.kind) {
    case 'value': return expr.value;
    case 'list': return Promise.all(expr.items.map((e) => canonical(e, runtime)));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of expr.entries) out[k] = await canonical(v, runtime);
      return out;
    }
    case 'call': {
      if (expr.name !== 'get_resource' && expr.name !== 'get_attr') {
        const value = await evaluate(expr, runtime);
        if (value !== DEFERRED) return value;
      }
      return { [expr.name]: await canonical(expr.args, runtime) };
    }
  }
}

/** Names of resources a canonical value refers to. */
function referencedIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedIn(v, out);
  else if (isMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'get_resource' && typeof value.get_resource === 'string') out.add(value.get_resource);
    if (keys.length === 1 && keys[0] === 'get_attr' && Array.isArray(value.get_attr) && typeof value.get_attr[0] === 'string') out.add(value.get_attr[0]);
    for (const v of Object.values(value)) referencedIn(v, out);
  }
  return out;
}

function asProperties(value: unknown): Record<string, unknown> {
  return isMap(value) && !(Object.keys(value).length === 1 && ['get_resource', 'get_attr'].includes(Object.keys(value)[0]!)) ? value : { '': value };
}

/**
 * Compares the compiled old and new stacks. Throws if an immutable parameter changed, or
 * if a registry says a changed property is immutable.
 */
export async function diffStacks(old: StackDefinition, next: StackDefinition, registry?: ResourceTypeRegistry<never> | ResourceTypeRegistry): Promise<UpdatePlan> {
  for (const [name, schema] of old.template.parameters) {
    if (schema.immutable && next.template.parameters.has(name) && !deepEqual(old.parameters.get(name), next.parameters.get(name))) {
      throw templateError(next.template.source.locator, ['parameters', name], `parameter "${name}" is immutable and may not be changed by an update`);
    }
  }
  const plan: UpdatePlan = { unchanged: [], update: [], replace: [], add: [], remove: [] };
  const oldRuntime = old.runtime();
  const newRuntime = next.runtime();
  for (const name of old.resources.keys()) if (!next.resources.has(name)) plan.remove.push(name);
  const compared = new Map<string, { props: Record<string, unknown>; changed: string[]; metadata: boolean; policy: boolean }>();
  const replaced = new Map<string, ResourceReplacement>();
  for (const [name, def] of next.resources) {
    const before = old.resources.get(name);
    if (before === undefined) { plan.add.push(name); continue; }
    const oldType = before.mapping.kind === 'template' ? before.mapping.template : before.mapping.type;
    const newType = def.mapping.kind === 'template' ? def.mapping.template : def.mapping.type;
    if (before.type !== def.type || oldType !== newType) {
      replaced.set(name, { name, reason: `its type changed from ${before.type} to ${def.type}`, properties: [] });
      continue;
    }
    const oldProps = asProperties(await canonical(before.properties, oldRuntime));
    const newProps = asProperties(await canonical(def.properties, newRuntime));
    const changed = [...new Set([...Object.keys(oldProps), ...Object.keys(newProps)])]
      .filter((k) => !deepEqual(oldProps[k] ?? null, newProps[k] ?? null));
    const metadata = !deepEqual(await canonical(before.metadata, oldRuntime), await canonical(def.metadata, newRuntime));
    const policy = !deepEqual(await canonical(before.updatePolicy, oldRuntime), await canonical(def.updatePolicy, newRuntime));
    compared.set(name, { props: newProps, changed, metadata, policy });
  }
  // A new resource under a reused name is a new thing too: references to it change.
  const renewed = (): Set<string> => new Set([...replaced.keys(), ...plan.add]);
  let settled = false;
  const updates = new Map<string, ResourceUpdate>();
  while (!settled) {
    settled = true;
    updates.clear();
    const gone = renewed();
    for (const [name, c] of compared) {
      if (replaced.has(name)) continue;
      const properties = Object.keys(c.props).filter((k) => c.changed.includes(k) || [...referencedIn(c.props[k])].some((r) => gone.has(r)));
      for (const k of c.changed) if (!properties.includes(k)) properties.push(k);
      if (properties.length === 0 && !c.metadata && !c.policy) continue;
      const def = next.resources.get(name)!;
      const type = def.mapping.kind === 'type' ? registry?.get(def.mapping.type) : undefined;
      const decision = type === undefined || properties.length === 0 ? 'update' : planResourceUpdate(type, properties);
      if (typeof decision === 'object') {
        throw templateError(next.template.source.locator, ['resources', name, 'properties', decision.refuse], `property "${decision.refuse}" of ${def.type} cannot be changed once created`);
      }
      if (decision === 'replace') {
        replaced.set(name, { name, reason: `properties ${properties.join(', ')} cannot be updated in place`, properties });
        settled = false;
        break;
      }
      updates.set(name, { name, properties, metadataChanged: c.metadata, updatePolicyChanged: c.policy });
    }
  }
  for (const name of next.resources.keys()) {
    if (plan.add.includes(name)) continue;
    const r = replaced.get(name);
    const u = updates.get(name);
    if (r !== undefined) plan.replace.push(r);
    else if (u !== undefined) plan.update.push(u);
    else plan.unchanged.push(name);
  }
  return plan;
}
