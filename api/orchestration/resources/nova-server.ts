/**
 * OS::Nova::Server: a Nova server made through the compute API in-process, so it is an
 * ordinary server of the stack's project. CREATE_COMPLETE only once it is ACTIVE; a server
 * whose command dies at once fails the resource with its fault. `name` and `metadata`
 * change in place; anything else replaces the server.
 */
import type { ResourceContext, ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { bootableUserData } from './boot-user-data.js';
import { associateFloatingIps } from './neutron-floating-ip.js';

const nets = (addresses: Record<string, Array<{ address: string }>>) =>
  Object.fromEntries(Object.entries(addresses).map(([net, list]) => [net, list.map((a) => a.address)]));

/**
 * Heat's `networks` as Nova's create body takes them. `network` may be a name (as in Heat):
 * with Neutron in-process it is resolved here, so an unknown one names its template path.
 */
function novaNetworks(ctx: ResourceContext<HeatClients>, list: Array<Record<string, unknown>>): { networks?: unknown } {
  if (list.length === 0) return {};
  const allocate = list.find((n) => n.allocate_network !== undefined);
  if (allocate) {
    if (list.length > 1) throw new Error('networks: allocate_network cannot be combined with other networks');
    return { networks: String(allocate.allocate_network) };
  }
  return {
    networks: list.map((n, i) => ({
      ...(n.network !== undefined && { uuid: networkId(ctx, i, String(n.network)) }), ...(n.port !== undefined && { port: String(n.port) }),
      ...(n.fixed_ip !== undefined && { fixed_ip: String(n.fixed_ip) }),
    })),
  };
}

function networkId(ctx: ResourceContext<HeatClients>, index: number, ref: string): string {
  const neutron = ctx.clients.network;
  if (!neutron) return ref;
  try {
    return neutron.networkId(ctx.clients.caller, ref);
  } catch (err) {
    throw new Error(`resources.${ctx.resourceName}.properties.networks[${index}].network: ${(err as Error).message}`);
  }
}

/**
 * Heat's `addresses`: each address also in Nova's keys, with the id of its port, so a
 * template can map a floating IP to a server booted on a network
 * (`port_id: {get_attr: [server, addresses, NET, 0, port]}`).
 */
function addressesWithPorts(ctx: ResourceContext<HeatClients>, serverId: string, addresses: Record<string, Array<{ address: string; mac?: string; type?: string }>>) {
  return Object.fromEntries(Object.entries(addresses).map(([net, list]) => [net, list.map((a) => ({
    ...a, addr: a.address, version: 4, 'OS-EXT-IPS-MAC:mac_addr': a.mac ?? null, 'OS-EXT-IPS:type': a.type ?? 'fixed',
    port: ctx.clients.network?.serverPorts(serverId).find((port) => port.mac === a.mac)?.id ?? null,
  }))]));
}

export const novaServerType: ResourceType<HeatClients> = {
  name: 'OS::Nova::Server',
  description: 'A Nova server: here, a container on the compute driver.',
  properties: {
    name: { type: 'string', description: 'Server name; the physical resource name when absent.', updateAllowed: true },
    image: { type: 'string', description: 'Image name or id.', required: true },
    flavor: { type: 'string', description: 'Flavor name or id.', required: true },
    key_name: { type: 'string', description: 'Keypair to install for root.' },
    user_data: { type: 'string', description: 'User data: a #! script, #cloud-config, MIME multipart, or a software config id; run at boot.', default: '' },
    user_data_format: { type: 'string', default: 'HEAT_CFNTOOLS', constraints: [{ kind: 'allowed_values', values: ['HEAT_CFNTOOLS', 'RAW', 'SOFTWARE_CONFIG'] }] },
    metadata: { type: 'map', description: 'Server metadata.', default: {}, updateAllowed: true },
    networks: {
      type: 'list', default: [],
      description: 'Interfaces: [{network: id}], [{port: id}] (with fixed_ip; floating_ip: a floating IP id to map to it), or [{allocate_network: none|auto}]; empty: the project\'s default network.',
    },
    security_groups: { type: 'list', default: [] },
    availability_zone: { type: 'string' },
    config_drive: { type: 'boolean' },
    admin_pass: { type: 'string' },
  },
  // A server on a stack's network waits for that network's subnets (Heat's implicit dependency).
  waitsForPeers: { peer: 'OS::Neutron::Subnet', via: 'OS::Neutron::Net' },
  attributes: {
    name: { description: 'Name of the server.', type: 'string' },
    first_address: { description: 'The first address of the server, or an empty string.', type: 'string' },
    networks: { description: 'Addresses by network name.', type: 'map' },
    addresses: { description: 'Addresses by network name, as Nova lists them, each with the id of its port.', type: 'map' },
    instance_name: { description: 'The instance name on the compute host.', type: 'string' },
    accessIPv4: { description: 'The access IPv4 address.', type: 'string' },
    accessIPv6: { description: 'The access IPv6 address.', type: 'string' },
    console_urls: { description: 'Console URLs (none: there is no remote console).', type: 'map' },
    show: { description: 'The server as Nova shows it.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      const { compute, caller } = ctx.clients;
      // A software config's id stands for its content (as Heat does for RAW and SOFTWARE_CONFIG; here for every format).
      const given = String(p.user_data ?? '');
      const userData = bootableUserData(ctx.clients.configContent(given) ?? given);
      const server = await compute.createServer(caller, {
        name: (p.name as string | undefined) ?? ctx.physicalName,
        imageRef: compute.imageId(caller, String(p.image)),
        flavorRef: compute.flavorId(String(p.flavor)),
        metadata: p.metadata ?? {},
        ...(p.key_name !== undefined && { key_name: p.key_name }),
        ...(userData !== '' && { user_data: Buffer.from(userData).toString('base64') }),
        ...(p.availability_zone !== undefined && { availability_zone: p.availability_zone }),
        ...novaNetworks(ctx, p.networks as Array<Record<string, unknown>>),
        ...(Array.isArray(p.security_groups) && p.security_groups.length > 0 && { security_groups: (p.security_groups as string[]).map((name) => ({ name })) }),
        ...(p.admin_pass !== undefined && { adminPass: p.admin_pass }),
      });
      try {
        await associateFloatingIps(ctx, server.id, p.networks as Array<Record<string, unknown>>);
      } catch (err) {
        await compute.deleteServer(server.id);
        throw err;
      }
      return { physicalId: server.id, data: {} };
    },
    async update(ctx, state, p, changed) {
      ctx.clients.compute.updateServer(state.physicalId, {
        ...(changed.includes('name') && { name: (p.name as string | undefined) ?? ctx.physicalName }),
        ...(changed.includes('metadata') && { metadata: (p.metadata ?? {}) as Record<string, string> }),
      });
      return state;
    },
    async delete(ctx, state) {
      await ctx.clients.compute.deleteServer(state.physicalId);
    },
    async attribute(ctx, state, name) {
      const server = ctx.clients.compute.server(state.physicalId);
      if (!server) return null;
      switch (name) {
        case 'name': return server.name;
        case 'first_address': return Object.values(server.addresses)[0]?.[0]?.address ?? '';
        case 'networks': return nets(server.addresses);
        case 'addresses': return addressesWithPorts(ctx, server.id, server.addresses);
        case 'instance_name': return `instance-${server.id}`;
        case 'accessIPv4': return server.accessIPv4;
        case 'accessIPv6': return server.accessIPv6;
        case 'console_urls': return {};
        case 'show': return { id: server.id, name: server.name, status: server.vmState, metadata: server.metadata, addresses: server.addresses, image: { id: server.imageId }, flavor: { id: server.flavorId } };
        default: return null;
      }
    },
  },
};
