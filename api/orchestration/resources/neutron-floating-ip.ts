/**
 * OS::Neutron::FloatingIP and OS::Neutron::FloatingIPAssociation: an address from an
 * external network's pool (a loopback range on this cloud, so it is reachable from the
 * host and nothing leaves the machine), mapped to a port's fixed IP. The mapping follows the
 * port: it holds once a server has bound the port. `port_id` changes in place.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceContext, ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { neutronCall, neutronOf, propertyPath, valueSpecsWarning, viewAttribute, warningData } from './neutron-common.js';

type Json = Record<string, any>;

/** The port (by id) a floating IP may point at; `fixed_ip_address`, when given, must be its address once it has one. */
async function checkedPort(ctx: ResourceContext<HeatClients>, portId: unknown, fixedIp: unknown, names = { port: 'port_id', fixed: 'fixed_ip_address' }): Promise<string | null> {
  if (portId === undefined || portId === null) return null;
  const port = neutronOf(ctx).show(ctx.clients.caller, 'ports', String(portId));
  if (!port) throw new Error(`${propertyPath(ctx, names.port)}: Port ${String(portId)} could not be found.`);
  const addresses = (port.fixed_ips as Array<{ ip_address: string }>).map((f) => f.ip_address);
  if (fixedIp !== undefined && fixedIp !== null && addresses.length > 0 && !addresses.includes(String(fixedIp))) {
    throw new Error(`${propertyPath(ctx, names.fixed)}: port ${port.id} has the address ${addresses.join(', ')}, not ${String(fixedIp)}`);
  }
  return port.id as string;
}

export const neutronFloatingIpType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::FloatingIP',
  description: 'A floating IP from an external network, optionally mapped to a port.',
  properties: {
    floating_network: { type: 'string', description: 'The external network, by name or id.' },
    floating_network_id: { type: 'string', description: 'The external network id (deprecated: use floating_network).' },
    floating_ip_address: { type: 'string', description: 'A particular address of the pool.' },
    port_id: { type: 'string', description: 'The port it maps to.', updateAllowed: true },
    fixed_ip_address: { type: 'string', description: 'The port\'s address it maps to (ports have one here).', updateAllowed: true },
    value_specs: { type: 'map', default: {}, description: 'Extra fields for the request body: ignored on this cloud, with a warning.' },
  },
  attributes: {
    floating_ip_address: { description: 'The floating address.', type: 'string' },
    floating_network_id: { description: 'The external network it comes from.', type: 'string' },
    port_id: { description: 'The port it maps to.', type: 'string' },
    fixed_ip_address: { description: 'The fixed address it maps to.', type: 'string' },
    router_id: { description: 'Always null: there are no routers on this cloud.', type: 'string' },
    tenant_id: { description: 'The owning project.', type: 'string' },
    show: { description: 'The floating IP as Neutron shows it.', type: 'map' },
  },
  validate(p) {
    if ((p.floating_network === undefined) === (p.floating_network_id === undefined)) return { property: 'floating_network', message: 'exactly one of floating_network and floating_network_id is required' };
    return undefined;
  },
  handler: {
    async create(ctx, p) {
      const neutron = neutronOf(ctx);
      const { caller } = ctx.clients;
      const ref = p.floating_network !== undefined ? 'floating_network' : 'floating_network_id';
      const networkId = await neutronCall(ctx, () => neutron.networkId(caller, String(p[ref])), { blame: ref });
      const portId = await checkedPort(ctx, p.port_id, p.fixed_ip_address);
      const view = await neutronCall(ctx, () => neutron.create(caller, 'floatingips', {
        floating_network_id: networkId, port_id: portId, ...(p.floating_ip_address !== undefined && { floating_ip_address: p.floating_ip_address }),
      }), { mentions: { floating_ip_address: ['allocation pool', 'already allocated'], [ref]: ['external network', 'network'], port_id: ['Port'] } });
      return { physicalId: view.id as string, data: warningData(valueSpecsWarning(ctx, p.value_specs)) };
    },
    async update(ctx, state, p) {
      const portId = await checkedPort(ctx, p.port_id, p.fixed_ip_address);
      await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'floatingips', state.physicalId, { port_id: portId }), { blame: 'port_id' });
      return state;
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'floatingips', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'floatingips', state.physicalId), name);
    },
  },
};

export const neutronFloatingIpAssociationType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::FloatingIPAssociation',
  description: 'Maps an existing floating IP to a port.',
  properties: {
    floatingip_id: { type: 'string', required: true, updateAllowed: true, description: 'The floating IP to map.' },
    port_id: { type: 'string', required: true, updateAllowed: true, description: 'The port it maps to.' },
    fixed_ip_address: { type: 'string', updateAllowed: true, description: 'The port\'s address it maps to (ports have one here).' },
  },
  attributes: {
    show: { description: 'The floating IP as Neutron shows it.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const portId = await checkedPort(ctx, p.port_id, p.fixed_ip_address);
      await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'floatingips', String(p.floatingip_id), { port_id: portId }), { mentions: { floatingip_id: ['Floating IP'], port_id: ['Port'] } });
      return { physicalId: randomUUID(), data: { floatingIpId: String(p.floatingip_id), portId } };
    },
    async update(ctx, state, p) {
      const portId = await checkedPort(ctx, p.port_id, p.fixed_ip_address);
      const floatingIpId = String(p.floatingip_id);
      if (floatingIpId !== state.data.floatingIpId) await dissociate(ctx, state.data as Json);
      await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'floatingips', floatingIpId, { port_id: portId }), { mentions: { floatingip_id: ['Floating IP'], port_id: ['Port'] } });
      return { physicalId: state.physicalId, data: { floatingIpId, portId } };
    },
    async delete(ctx, state) {
      await dissociate(ctx, state.data as Json);
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'floatingips', String(state.data.floatingIpId)), name);
    },
  },
};

/** Unmaps the floating IP if it still exists and still points at the association's port. */
async function dissociate(ctx: ResourceContext<HeatClients>, data: Json): Promise<void> {
  const neutron = neutronOf(ctx);
  const fip = neutron.show(ctx.clients.caller, 'floatingips', String(data.floatingIpId));
  if (fip && fip.port_id === data.portId) await neutron.update(ctx.clients.caller, 'floatingips', String(data.floatingIpId), { port_id: null });
}

/**
 * Heat's `floating_ip` in a server's `networks` items: maps each named floating IP to the
 * server's port on that item's port or network, once the server is up.
 */
export async function associateFloatingIps(ctx: ResourceContext<HeatClients>, serverId: string, networks: Array<Record<string, unknown>>): Promise<void> {
  for (const [i, item] of networks.entries()) {
    if (item.floating_ip === undefined || item.floating_ip === null) continue;
    const neutron = neutronOf(ctx);
    const ports = neutron.serverPorts(serverId);
    const network = item.network === undefined ? undefined : neutron.networkId(ctx.clients.caller, String(item.network));
    const port = item.port !== undefined ? ports.find((p) => p.id === String(item.port)) : ports.find((p) => p.networkId === network);
    if (!port) throw new Error(`${propertyPath(ctx, `networks[${i}].floating_ip`)}: the item names no network or port of the server to map it to`);
    await neutronCall(ctx, () => neutron.update(ctx.clients.caller, 'floatingips', String(item.floating_ip), { port_id: port.id }), { blame: `networks[${i}].floating_ip` });
  }
}
