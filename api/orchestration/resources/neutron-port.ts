/**
 * OS::Neutron::Port: a port of the stack's project on a network, for a server to boot on
 * (`networks: [{port: {get_resource: p}}]`) or a floating IP to point at. It waits for the
 * subnets the stack makes on its network. Name, security groups and port security change
 * in place (the server's firewall follows at once); anything else replaces.
 *
 * `fixed_ips` may name a subnet and an `ip_address`; Neutron gives the port its address when
 * it is made (and refuses one in use or outside the subnet, failing the resource).
 *
 * LIMITATIONS (the network service's): `mac_address` cannot be chosen.
 */
import type { ResourceContext, ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { exactlyOneNetwork, namedNetwork, neutronCall, neutronOf, propertyPath, valueSpecsWarning, viewAttribute, warningData } from './neutron-common.js';

/** Security group names or ids as ids, each refusal naming its list item. */
export async function securityGroupIds(ctx: ResourceContext<HeatClients>, property: string, refs: unknown): Promise<string[] | undefined> {
  if (!Array.isArray(refs)) return undefined;
  const ids: string[] = [];
  for (const [i, ref] of refs.entries()) ids.push(await neutronCall(ctx, () => neutronOf(ctx).securityGroupId(ctx.clients.caller, String(ref)), { blame: `${property}[${i}]` }));
  return ids;
}

export const neutronPortType: ResourceType<HeatClients> = {
  name: 'OS::Neutron::Port',
  description: 'A Neutron port: an interface a server boots on.',
  properties: {
    network: { type: 'string', description: 'The network, by name or id.' },
    network_id: { type: 'string', description: 'The network id (deprecated: use network).' },
    name: { type: 'string', description: 'The port name; the physical resource name when absent.', updateAllowed: true },
    fixed_ips: {
      type: 'list', default: [],
      items: { type: 'map', schema: { subnet: { type: 'string' }, subnet_id: { type: 'string' }, ip_address: { type: 'string' } } },
      description: 'Subnets to take an address from (the address itself is given when a server binds the port).',
    },
    security_groups: { type: 'list', description: 'Security group names or ids; the project\'s default group when absent.', updateAllowed: true },
    port_security_enabled: { type: 'boolean', description: 'false: no firewall on this port.', updateAllowed: true },
    mac_address: { type: 'string', description: 'Not supported: Neutron gives each port a MAC.' },
    admin_state_up: { type: 'boolean', default: true },
    value_specs: { type: 'map', default: {}, description: 'Extra fields for the request body: ignored on this cloud, with a warning.' },
  },
  attributes: {
    name: { description: 'The port name.', type: 'string' },
    fixed_ips: { description: 'Its addresses: [{subnet_id, ip_address}].', type: 'list' },
    mac_address: { description: 'Its MAC address.', type: 'string' },
    network_id: { description: 'The network id.', type: 'string' },
    security_groups: { description: 'Its security group ids.', type: 'list' },
    status: { description: 'ACTIVE when bound to a running server, else DOWN.', type: 'string' },
    device_id: { description: 'The server it is bound to.', type: 'string' },
    device_owner: { description: 'What it is bound to.', type: 'string' },
    tenant_id: { description: 'The owning project.', type: 'string' },
    show: { description: 'The port as Neutron shows it.', type: 'map' },
  },
  waitsForPeers: { peer: 'OS::Neutron::Subnet', via: 'OS::Neutron::Net' },
  validate: exactlyOneNetwork,
  handler: {
    async create(ctx, p) {
      const neutron = neutronOf(ctx);
      const { caller } = ctx.clients;
      if (p.mac_address !== undefined) throw new Error(`${propertyPath(ctx, 'mac_address')}: choosing a MAC address is not supported on this cloud (Neutron gives each port one)`);
      const { ref, networkId } = await namedNetwork(ctx, p);
      const groups = await securityGroupIds(ctx, 'security_groups', p.security_groups);
      const view = await neutronCall(ctx, () => neutron.create(caller, 'ports', {
        network_id: networkId, name: (p.name as string | undefined) ?? ctx.physicalName, fixed_ips: p.fixed_ips,
        ...(groups !== undefined && { security_groups: groups }), ...(p.port_security_enabled !== undefined && { port_security_enabled: p.port_security_enabled }),
      }), { mentions: { fixed_ips: ['fixed IP', 'fixed_ips'], security_groups: ['Security group'], [ref]: ['network', 'Network'] } });
      return { physicalId: view.id as string, data: warningData(valueSpecsWarning(ctx, p.value_specs)) };
    },
    async update(ctx, state, p, changed) {
      const groups = changed.includes('security_groups') ? await securityGroupIds(ctx, 'security_groups', p.security_groups ?? ['default']) : undefined;
      await neutronCall(ctx, () => neutronOf(ctx).update(ctx.clients.caller, 'ports', state.physicalId, {
        ...(changed.includes('name') && { name: (p.name as string | undefined) ?? ctx.physicalName }),
        ...(groups !== undefined && { security_groups: groups }),
        ...(changed.includes('port_security_enabled') && { port_security_enabled: p.port_security_enabled !== false }),
      }));
      return state;
    },
    async delete(ctx, state) {
      await neutronCall(ctx, () => neutronOf(ctx).delete(ctx.clients.caller, 'ports', state.physicalId));
    },
    async attribute(ctx, state, name) {
      return viewAttribute(neutronOf(ctx).show(ctx.clients.caller, 'ports', state.physicalId), name);
    },
  },
};
