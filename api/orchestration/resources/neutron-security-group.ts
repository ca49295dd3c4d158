/**
 * OS::Neutron::SecurityGroup (with its inline `rules`) and OS::Neutron::SecurityGroupRule.
 * A group's rules are kept equal to the template's: an update adds the new rules and
 * deletes the dropped ones in place, and the servers' firewalls change before the update
 * completes. As Heat does, a group whose rules name an egress rule loses Neutron's default
 * "allow all egress" rules; without one it keeps them.
 */
import type { PropertySchema, ResourceContext, ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { neutronCall, neutronOf, viewAttribute } from './neutron-common.js';

type Json = Record<string, any>;

const ruleFields = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'] as const;
const ruleKey = (r: Json): string => JSON.stringify(ruleFields.map((k) => r[k] ?? null));

const portNumber: PropertySchema = { type: 'integer', constraints: [{ kind: 'range', min: 0, max: 65535 }] };
const ruleProperties: Record<string, PropertySchema> = {
  direction: { type: 'string', default: 'ingress', constraints: [{ kind: 'allowed_values', values: ['ingress', 'egress'] }] },
  ethertype: { type: 'string', default: 'IPv4', constraints: [{ kind: 'allowed_values', values: ['IPv4', 'IPv6'] }] },
  protocol: { type: 'string', description: 'tcp, udp, icmp, ... or an IP protocol number; any when absent.' },
  port_range_min: portNumber,
  port_range_max: portNumber,
  remote_ip_prefix: { type: 'string', description: 'Where traffic may come from (ingress) or go to (egress).' },
};

const ruleMentions = { port_range_min: ['port range'], protocol: ['protocol'], remote_ip_prefix: ['remote_ip_prefix'], direction: ['direction'], ethertype: ['ethertype'] };

/**
 * A Heat rule as Neutron's rule body, with the group of `remote_mode: remote_group_id`
 * resolved (itself when absent). Refusals name `at` (a rules item), or for a standalone
 * rule the property they are about.
 */
async function ruleBody(ctx: ResourceContext<HeatClients>, at: string | undefined, rule: Json, groupId: string): Promise<Json> {
  const byGroup = rule.remote_mode === 'remote_group_id' || (rule.remote_group !== undefined && rule.remote_group !== null);
  const groupRef = rule.remote_group_id ?? rule.remote_group;
  const remoteGroup = !byGroup ? undefined
    : groupRef === undefined || groupRef === null ? groupId
      : await neutronCall(ctx, () => neutronOf(ctx).securityGroupId(ctx.clients.caller, String(groupRef)), { blame: `${at === undefined ? '' : `${at}.`}${rule.remote_group !== undefined ? 'remote_group' : 'remote_group_id'}` });
  const body = {
    direction: rule.direction, ethertype: rule.ethertype, protocol: rule.protocol, port_range_min: rule.port_range_min, port_range_max: rule.port_range_max,
    ...(remoteGroup === undefined ? { remote_ip_prefix: rule.remote_ip_prefix } : { remote_group_id: remoteGroup }),
    ...(rule.description !== undefined && { description: rule.description }),
  };
  // Checked as POST /security-group-rules checks it, so a bad rule fails with Neutron's message before anything changes.
  return { ...body, ...(await neutronCall(ctx, () => neutronOf(ctx).normaliseRule(body), at === undefined ? { mentions: ruleMentions } : { blame: at })) };
}

/** Makes the group's rules those of `rules` (plus Neutron's default egress when none is egress). */
async function syncRules(ctx: ResourceContext<HeatClients>, groupId: string, rules: Json[]): Promise<void> {
  const neutron = neutronOf(ctx);
  const { caller } = ctx.clients;
  const wanted: Json[] = [];
  for (const [i, rule] of rules.entries()) wanted.push(await ruleBody(ctx, `rules[${i}]`, rule, groupId));
  if (!wanted.some((r) => r.direction === 'egress')) {
    for (const ethertype of ['IPv4', 'IPv6']) wanted.push(neutron.normaliseRule({ direction: 'egress', ethertype }));
  }
  const keys = new Set(wanted.map(ruleKey));
  const present = neutron.rulesOf(groupId);
  const have = new Set(present.map((r) => ruleKey(r)));
  // Add first, then drop: a port the old and new rules both open stays open throughout.
  const added = new Set<string>();
  for (const [i, rule] of wanted.entries()) {
    const key = ruleKey(rule);
    if (have.has(key) || added.has(key)) continue;
    added.add(key);
    await neutronCall(ctx, () => neutron.create(caller, 'security-group-rules', { ...rule, security_group_id: groupId }), { blame: i < rules.length ? `rules[${i}]` : 'rules' });
  }
  for (const r of present) if (!keys.has(ruleKey(r))) await neutronCall(ctx, () => neutron.delete(caller, 'security-group-rules', r.id), { blame: 'rules' });
}

export const neutronSecurityGroupType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::SecurityGroup',
  description: 'A Neutron security group: firewall rules for the ports that carry it.',
  properties: {
    name: { type: 'string', description: 'The group name; the physical resource name when absent.', updateAllowed: true },
    description: { type: 'string', default: '', updateAllowed: true },
    rules: {
      type: 'list', default: [], updateAllowed: true, description: 'Its rules; changed in place on update.',
      items: {
        type: 'map',
        schema: {
          ...ruleProperties,
          remote_mode: { type: 'string', default: 'remote_ip_prefix', constraints: [{ kind: 'allowed_values', values: ['remote_ip_prefix', 'remote_group_id'] }] },
          remote_group_id: { type: 'string', description: 'With remote_mode remote_group_id: the group (this one when absent).' },
        },
      },
    },
  },
  attributes: {
    show: { description: 'The group as Neutron shows it, with its rules.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const neutron = neutronOf(ctx);
      const { caller } = ctx.clients;
      const group = await neutronCall(ctx, () => neutron.create(caller, 'security-groups', { name: (p.name as string | undefined) ?? ctx.physicalName, description: p.description }), { mentions: { name: ['name', 'Default security group'] } });
      try {
        await syncRules(ctx, group.id as string, p.rules as Json[]);
      } catch (err) {
        await neutron.delete(caller, 'security-groups', group.id as string).catch(() => undefined);
        throw err;
      }
      return { physicalId: group.id as string, data: {} };
    },
    async update(ctx, state, p, changed) {
      const neutron = neutronOf(ctx);
      if (changed.includes('name') || changed.includes('description')) {
        await neutronCall(ctx, () => neutron.update(ctx.clients.caller, 'security-groups', state.physicalId, { name: (p.name as string | undefined) ?? ctx.physicalName, description: p.description }));
      }
      if (changed.includes('rules')) await syncRules(ctx, state.physicalId, p.rules as Json[]);
      return state;
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'security-groups', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'security-groups', state.physicalId), name);
    },
  },
};

export const neutronSecurityGroupRuleType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::SecurityGroupRule',
  description: 'One rule of a Neutron security group.',
  properties: {
    security_group: { type: 'string', required: true, description: 'The group, by name or id.' },
    description: { type: 'string' },
    ...ruleProperties,
    remote_group: { type: 'string', description: 'Traffic from (or to) the members of this group; not with remote_ip_prefix.' },
  },
  attributes: {
    show: { description: 'The rule as Neutron shows it.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const neutron = neutronOf(ctx);
      const groupId = await neutronCall(ctx, () => neutron.securityGroupId(ctx.clients.caller, String(p.security_group)), { blame: 'security_group' });
      if (p.remote_group !== undefined && p.remote_ip_prefix !== undefined) throw new Error(`resources.${ctx.resourceName}.properties.remote_group: only one of remote_group and remote_ip_prefix may be given`);
      const body = await ruleBody(ctx, undefined, p as Json, groupId);
      const rule = await neutronCall(ctx, () => neutron.create(ctx.clients.caller, 'security-group-rules', { ...body, security_group_id: groupId }), { mentions: ruleMentions });
      return { physicalId: rule.id as string, data: {} };
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'security-group-rules', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'security-group-rules', state.physicalId), name);
    },
  },
};
