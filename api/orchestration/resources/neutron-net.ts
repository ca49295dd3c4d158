/**
 * OS::Neutron::Net and OS::Neutron::Subnet: a Neutron network of the stack's project and
 * its subnet, which makes it an engine network (a bridge with its IPAM). Names change in
 * place; anything else replaces.
 *
 * LIMITATIONS (the network service's): one IPv4 subnet per network; its gateway is the
 * first address and its pool the whole range; addresses come from the engine's IPAM and
 * names from its DNS, so `allocation_pools`, `dns_nameservers`, `host_routes` and
 * `enable_dhcp: false` are accepted with a warning and have no effect.
 */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { exactlyOneNetwork, namedNetwork, neutronCall, neutronOf, propertyPath, valueSpecsWarning, viewAttribute, warningData } from './neutron-common.js';

export const neutronNetType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::Net',
  description: 'A Neutron network; with a subnet it is a bridge of its own.',
  properties: {
    name: { type: 'string', description: 'The network name; the physical resource name when absent.', updateAllowed: true },
    admin_state_up: { type: 'boolean', default: true },
    shared: { type: 'boolean', default: false, description: 'Whether other projects may use it (admins only).' },
    value_specs: { type: 'map', default: {}, description: 'Extra fields for the request body: ignored on this cloud, with a warning.' },
  },
  attributes: {
    name: { description: 'The network name.', type: 'string' },
    status: { description: 'The network status.', type: 'string' },
    subnets: { description: 'The ids of its subnets.', type: 'list' },
    admin_state_up: { description: 'The administrative state.', type: 'boolean' },
    mtu: { description: 'The MTU of its bridge.', type: 'integer' },
    tenant_id: { description: 'The owning project.', type: 'string' },
    show: { description: 'The network as Neutron shows it.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const view = await neutronCall(ctx, () => neutronOf(ctx).create(ctx.clients.caller, 'networks', {
        name: (p.name as string | undefined) ?? ctx.physicalName, admin_state_up: p.admin_state_up, shared: p.shared,
      }), { mentions: { shared: ['shared', 'external'] } });
      return { physicalId: view.id as string, data: warningData(valueSpecsWarning(ctx, p.value_specs)) };
    },
    async update(ctx, state, p) {
      await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'networks', state.physicalId, { name: (p.name as string | undefined) ?? ctx.physicalName }));
      return state;
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'networks', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'networks', state.physicalId), name);
    },
  },
};

/** Warnings for subnet properties this cloud accepts without effect. */
function subnetWarnings(ctx: Parameters<typeof propertyPath>[0], p: Readonly<Record<string, unknown>>): string[] {
  const warnings = valueSpecsWarning(ctx, p.value_specs);
  const ignored = (name: string, why: string) => warnings.push(`${propertyPath(ctx, name)}: ${why}`);
  if (Array.isArray(p.allocation_pools) && p.allocation_pools.length > 0) ignored('allocation_pools', 'ignored: addresses come from the whole subnet on this cloud');
  if (Array.isArray(p.dns_nameservers) && p.dns_nameservers.length > 0) ignored('dns_nameservers', 'ignored: servers resolve through their network\'s own DNS on this cloud');
  if (Array.isArray(p.host_routes) && p.host_routes.length > 0) ignored('host_routes', 'ignored: there are no routers on this cloud');
  if (p.enable_dhcp === false) ignored('enable_dhcp', 'ignored: every interface gets its address from the subnet on this cloud');
  return warnings;
}

export const neutronSubnetType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::Subnet',
  description: 'A subnet of a Neutron network (one per network on this cloud).',
  properties: {
    network: { type: 'string', description: 'The network, by name or id.' },
    network_id: { type: 'string', description: 'The network id (deprecated: use network).' },
    cidr: { type: 'string', description: 'The address range, e.g. 10.20.0.0/24.', required: true },
    ip_version: { type: 'integer', default: 4, constraints: [{ kind: 'allowed_values', values: [4, 6] }] },
    gateway_ip: { type: 'string', description: 'Must be the first address of the range (the bridge\'s), or absent.' },
    enable_dhcp: { type: 'boolean', default: true, updateAllowed: true },
    allocation_pools: { type: 'list', default: [], updateAllowed: true, items: { type: 'map', schema: { start: { type: 'string', required: true }, end: { type: 'string', required: true } } } },
    dns_nameservers: { type: 'list', default: [], updateAllowed: true },
    host_routes: { type: 'list', default: [], updateAllowed: true },
    name: { type: 'string', description: 'The subnet name; the physical resource name when absent.', updateAllowed: true },
    value_specs: { type: 'map', default: {}, description: 'Extra fields for the request body: ignored on this cloud, with a warning.' },
  },
  attributes: {
    name: { description: 'The subnet name.', type: 'string' },
    network_id: { description: 'The network id.', type: 'string' },
    cidr: { description: 'The address range.', type: 'string' },
    gateway_ip: { description: 'The gateway address.', type: 'string' },
    ip_version: { description: 'The IP version.', type: 'integer' },
    allocation_pools: { description: 'The ranges addresses are given from.', type: 'list' },
    dns_nameservers: { description: 'The DNS servers.', type: 'list' },
    enable_dhcp: { description: 'Whether addresses are given out.', type: 'boolean' },
    tenant_id: { description: 'The owning project.', type: 'string' },
    show: { description: 'The subnet as Neutron shows it.', type: 'map' },
  },
  validate: exactlyOneNetwork,
  handler: {
    async create(ctx, p) {
      const neutron = neutronOf(ctx);
      const { caller } = ctx.clients;
      const { ref, networkId } = await namedNetwork(ctx, p);
      const view = await neutronCall(ctx, () => neutron.create(caller, 'subnets', {
        network_id: networkId, cidr: p.cidr, ip_version: p.ip_version, name: (p.name as string | undefined) ?? ctx.physicalName,
        ...(p.gateway_ip !== undefined && { gateway_ip: p.gateway_ip }),
      }), { mentions: { cidr: ['cidr', 'overlaps', 'subnet pools', '127\\.0\\.0\\.0'], ip_version: ['IPv4 subnets'], gateway_ip: ['gateway'], [ref]: ['network', 'Network'] } });
      return { physicalId: view.id as string, data: warningData(subnetWarnings(ctx, p)) };
    },
    async update(ctx, state, p, changed) {
      if (changed.includes('name')) {
        await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'subnets', state.physicalId, { name: (p.name as string | undefined) ?? ctx.physicalName }));
      }
      return { physicalId: state.physicalId, data: warningData(subnetWarnings(ctx, p)) };
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'subnets', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'subnets', state.physicalId), name);
    },
  },
};
