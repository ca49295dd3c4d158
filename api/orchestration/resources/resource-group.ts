/**
 * OS::Heat::ResourceGroup: `count` copies of `resource_def`, each with `%index%` (or
 * `index_var`) replaced by its index in every string of its properties. Members are
 * resources of a registered type, created and deleted at once (all in parallel); a failed
 * create deletes the members it made. An update adds or removes members (removal_policies
 * name indexes to remove first, and those indexes are never reused) and updates or
 * replaces the kept ones as their type allows when resource_def changed.
 *
 * LIMITATIONS: Heat makes the group a nested stack; here members live in the group's own
 * state, so they are not listed by `resource list --nested-depth`. A member type must be a
 * registered type, not a template. update_policy (batches) is not applied: all at once.
 */
import { randomUUID } from 'node:crypto';
import {
  checkProperties, physicalResourceName, planResourceUpdate,
  type ResourceContext, type ResourceState, type ResourceType, type ResourceTypeRegistry,
} from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

type Registry = ResourceTypeRegistry<HeatClients>;

/** One member as the group's state keeps it. */
interface Member { index: number; type: string; properties: Record<string, unknown>; state: ResourceState }

const substitute = (value: unknown, variable: string, index: number): unknown => {
  if (typeof value === 'string') return value.split(variable).join(String(index));
  if (Array.isArray(value)) return value.map((v) => substitute(v, variable, index));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, variable, index)]));
  return value;
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function resourceGroupType(registry: () => Registry): ResourceType<HeatClients> {
  const memberType = (name: string): ResourceType<HeatClients> => {
    const type = registry().get(name);
    if (!type) throw new Error(`resource_def: the resource type ${name} is not available on this cloud (a group member must be a registered type)`);
    return type;
  };
  const memberCtx = (ctx: ResourceContext<HeatClients>, index: number): ResourceContext<HeatClients> => ({
    ...ctx, resourceName: String(index), physicalName: physicalResourceName(`${ctx.stackName}-${ctx.resourceName}`, String(index)),
  });
  const definitionFor = (ctx: ResourceContext<HeatClients>, p: Readonly<Record<string, unknown>>, index: number) => {
    const def = p.resource_def as { type: string; properties?: Record<string, unknown> };
    const type = memberType(def.type);
    const values = substitute(def.properties ?? {}, String(p.index_var ?? '%index%'), index);
    return { type, properties: checkProperties(type as never, `${ctx.resourceName}.resource_def`, values, {}) as Record<string, unknown> };
  };
  const createMember = async (ctx: ResourceContext<HeatClients>, p: Readonly<Record<string, unknown>>, index: number): Promise<Member> => {
    const { type, properties } = definitionFor(ctx, p, index);
    const state = await type.handler.create(memberCtx(ctx, index), properties);
    return { index, type: type.name, properties, state };
  };
  const deleteMembers = async (ctx: ResourceContext<HeatClients>, members: readonly Member[]): Promise<void> => {
    const results = await Promise.allSettled(members.map((m) => memberType(m.type).handler.delete(memberCtx(ctx, m.index), m.state)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  /** Creates members for `indexes` at once; if any fails, deletes those made and throws the first failure. */
  const createMembers = async (ctx: ResourceContext<HeatClients>, p: Readonly<Record<string, unknown>>, indexes: number[]): Promise<Member[]> => {
    const results = await Promise.allSettled(indexes.map((i) => createMember(ctx, p, i)));
    const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await deleteMembers(ctx, made).catch(() => undefined);
      throw new Error(`member ${indexes[results.indexOf(failed)]}: ${(failed.reason as Error).message}`);
    }
    return made;
  };
  const membersOf = (state: ResourceState): Member[] => (state.data.members as Member[] | undefined) ?? [];
  const refOf = (m: Member) => memberType(m.type).handler.referenceId?.(m.state) ?? m.state.physicalId;
  const memberAttribute = async (ctx: ResourceContext<HeatClients>, m: Member, name: string) => memberType(m.type).handler.attribute(memberCtx(ctx, m.index), m.state, name);
  const allAttributes = async (ctx: ResourceContext<HeatClients>, m: Member) => {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(memberType(m.type).attributes)) out[name] = await memberAttribute(ctx, m, name);
    return out;
  };

  return {
    name: 'OS::Heat::ResourceGroup',
    description: 'Creates one or more identically configured nested resources.',
    anyAttributes: true,
    properties: {
      count: { type: 'integer', description: 'The number of resources to create.', default: 1, updateAllowed: true, constraints: [{ kind: 'range', min: 0 }] },
      index_var: { type: 'string', description: 'The variable replaced by the index in resource_def.', default: '%index%', constraints: [{ kind: 'length', min: 3 }] },
      resource_def: {
        type: 'map', description: 'The definition of each member.', required: true, updateAllowed: true,
        schema: { type: { type: 'string', required: true }, properties: { type: 'map', default: {} }, metadata: { type: 'map', default: {} } },
      },
      removal_policies: { type: 'list', description: 'Members to remove first: [{resource_list: [index, ...]}].', default: [], updateAllowed: true },
      removal_policies_mode: { type: 'string', default: 'append', updateAllowed: true, constraints: [{ kind: 'allowed_values', values: ['append', 'update'] }] },
    },
    attributes: {
      refs: { description: 'The references of the members, in index order.', type: 'list' },
      refs_map: { description: 'The references of the members by index.', type: 'map' },
      attributes: { description: 'Each member attribute by index: get_attr [group, attributes, NAME].', type: 'map' },
      removed_rsrc_list: { description: 'Indexes removed by removal_policies.', type: 'list' },
    },
    validate(p) {
      const def = p.resource_def as { type?: unknown } | undefined;
      if (def && typeof def.type === 'string' && !registry().has(def.type)) return { property: 'resource_def', message: `the resource type ${def.type} is not available on this cloud` };
      return undefined;
    },
    handler: {
      async create(ctx, p) {
        const count = Number(p.count);
        const members = await createMembers(ctx, p, Array.from({ length: count }, (_, i) => i));
        return { physicalId: randomUUID(), data: { members, removed: [] } };
      },
      async update(ctx, state, p, changed) {
        const removedBefore = (state.data.removed as string[] | undefined) ?? [];
        const named = ((p.removal_policies as Array<{ resource_list?: unknown[] }>) ?? []).flatMap((r) => (r.resource_list ?? []).map(String));
        const removed = [...new Set([...(p.removal_policies_mode === 'update' ? [] : removedBefore), ...named])];
        let members = membersOf(state);
        const count = Number(p.count);
        // Named members go first; then the highest indexes, until count remain.
        const doomed = members.filter((m) => named.includes(String(m.index)));
        members = members.filter((m) => !doomed.includes(m));
        while (members.length > count) doomed.push(members.pop()!);
        await deleteMembers(ctx, doomed);
        if (changed.includes('resource_def')) {
          members = await Promise.all(members.map(async (m) => {
            const { type, properties } = definitionFor(ctx, p, m.index);
            const props = Object.keys({ ...m.properties, ...properties }).filter((k) => !same(m.properties[k], properties[k]));
            if (type.name === m.type && props.length === 0) return m;
            if (type.name === m.type && planResourceUpdate(type as never, props) === 'update') {
              return { ...m, properties, state: await type.handler.update!(memberCtx(ctx, m.index), m.state, properties, props) };
            }
            const replacement = await createMember(ctx, p, m.index);
            await memberType(m.type).handler.delete(memberCtx(ctx, m.index), m.state);
            return replacement;
          }));
        }
        const taken = new Set([...members.map((m) => m.index), ...removed.map(Number)]);
        const fresh: number[] = [];
        for (let i = 0; members.length + fresh.length < count; i++) if (!taken.has(i)) fresh.push(i);
        members = [...members, ...(await createMembers(ctx, p, fresh))].sort((a, b) => a.index - b.index);
        return { physicalId: state.physicalId, data: { members, removed } };
      },
      async delete(ctx, state) {
        await deleteMembers(ctx, membersOf(state));
      },
      async attribute(ctx, state, name) {
        const members = membersOf(state);
        if (name === 'refs') return members.map(refOf);
        if (name === 'refs_map') return Object.fromEntries(members.map((m) => [String(m.index), refOf(m)]));
        if (name === 'removed_rsrc_list') return state.data.removed ?? [];
        if (name === 'attributes') {
          // get_attr [group, attributes, NAME] then selects NAME: {index: value}.
          const out: Record<string, Record<string, unknown>> = {};
          for (const m of members) for (const [attr, value] of Object.entries(await allAttributes(ctx, m))) (out[attr] ??= {})[String(m.index)] = value;
          return out;
        }
        const one = /^resource\.(\d+)(?:\.(.+))?$/.exec(name);
        if (one) {
          const m = members.find((x) => x.index === Number(one[1]));
          if (!m) throw new Error(`the group has no member ${one[1]}`);
          return one[2] !== undefined ? memberAttribute(ctx, m, one[2]) : allAttributes(ctx, m);
        }
        return Promise.all(members.map((m) => memberAttribute(ctx, m, name)));
      },
    },
  };
}
