/**
 * What Neutron does beyond storing rows: a network with a subnet is an engine network
 * (bridge, IPAM, DNS) named `os-<network id>`; an external network's subnet is a floating
 * pool of loopback addresses; security groups and floating IPs are kept applied to the
 * kernel (firewall-sync.ts). Project isolation is decided here: a project sees its own
 * objects, plus shared and external networks; an admin may read any by id.
 */
import type { NetworkService } from '../../engine/network/network-service.js';
import { parseAddress, parseSubnet, formatAddress, lastAddress } from '../../engine/network/subnet.js';
import { badRequest, conflict, notFound } from '../http/api-error.js';
import { isAdmin, type RequestContext } from '../http/request-context.js';
import type { FirewallSync } from './firewall-sync.js';
import { FixedIps } from './fixed-ips.js';
import { type FloatingIpRow, type GroupRow, type NetworkRow, type NeutronStore, type PortRow, type SubnetRow, neutronMac } from './neutron-store.js';

/** The engine network of a Neutron network. */
export const engineNetworkName = (networkId: string): string => `os-${networkId}`;

/** The floating pools must stay on this machine's loopback. */
const loopback = parseSubnet('127.0.0.0/8');

export class NeutronCore {
  /** Fixed IPs of ports (fixed-ips.ts). */
  readonly fixedIps: FixedIps;

  constructor(readonly store: NeutronStore, readonly engine: NetworkService, readonly sync: FirewallSync) {
    this.fixedIps = new FixedIps(store, engine);
  }

  /** A network the caller may use: its project's, shared or external (admins: any). 404 otherwise. */
  network(ctx: RequestContext, id: string): NetworkRow {
    const n = this.store.find<NetworkRow>('neutron_networks', id);
    if (!n || !(n.project_id === ctx.projectId || n.shared === 1 || n.external === 1 || isAdmin(ctx))) throw notFound(`Network ${id} could not be found.`);
    return n;
  }

  /** Any other object of the caller's project (admins: any). 404 otherwise. */
  owned<T extends { project_id: string }>(ctx: RequestContext, table: Parameters<NeutronStore['find']>[0], id: string, kind: string): T {
    const row = this.store.find<T>(table, id);
    if (!row || !(row.project_id === ctx.projectId || isAdmin(ctx))) throw notFound(`${kind} ${id} could not be found.`);
    return row;
  }

  /** What lists show: the caller's project (or the one an admin asks for), and for networks also shared and external ones. */
  listable(ctx: RequestContext, row: { project_id: string; shared?: number; external?: number }, query: Record<string, unknown>): boolean {
    const asked = (query.project_id ?? query.tenant_id) as string | undefined;
    if (asked !== undefined && isAdmin(ctx)) return row.project_id === asked;
    return row.project_id === ctx.projectId || row.shared === 1 || row.external === 1;
  }

  async deleteNetwork(ctx: RequestContext, id: string): Promise<void> {
    const n = this.network(ctx, id);
    if (n.project_id !== ctx.projectId && !isAdmin(ctx)) throw notFound(`Network ${id} could not be found.`);
    const inUse = this.store.portsOf({ networkId: id }).filter((p) => p.device_id !== '');
    if (inUse.length > 0) throw conflict(`Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
    const fips = this.store.all<FloatingIpRow>('neutron_floating_ips').filter((f) => f.floating_network_id === id);
    if (fips.length > 0) throw conflict(`Unable to complete operation on network ${id}. There are one or more floating IPs allocated from it.`);
    const subnet = this.store.subnetOf(id);
    if (subnet) await this.deleteSubnet(ctx, subnet.id);
    for (const p of this.store.portsOf({ networkId: id })) this.store.delete('neutron_ports', p.id);
    this.store.delete('neutron_networks', id);
  }

  async createSubnet(ctx: RequestContext, body: Record<string, any>): Promise<SubnetRow> {
    const network = this.network(ctx, String(body.network_id ?? ''));
    if (network.project_id !== ctx.projectId && !isAdmin(ctx)) throw notFound(`Network ${body.network_id} could not be found.`);
    if (body.ip_version !== undefined && Number(body.ip_version) !== 4) throw badRequest('Only IPv4 subnets are supported on this cloud.');
    if (typeof body.cidr !== 'string') throw badRequest('A subnet needs a cidr (or --subnet-range); subnet pools are not supported.');
    if (this.store.subnetOf(network.id)) throw conflict(`Network ${network.id} already has a subnet: this cloud gives each network one.`);
    let cidr;
    try { cidr = parseSubnet(body.cidr); } catch (e) { throw badRequest(`Invalid input for cidr: ${(e as Error).message}`); }
    const inLoopback = cidr.network >= loopback.network && lastAddress(cidr) <= lastAddress(loopback);
    if (network.external === 1 && !inLoopback) throw badRequest('An external network\'s subnet is a floating IP pool and must be inside 127.0.0.0/8 on this cloud (nothing may leave the machine).');
    if (network.external !== 1 && inLoopback) throw badRequest('A tenant subnet cannot be in 127.0.0.0/8.');
    const gateway = formatAddress(cidr.network + 1);
    if (body.gateway_ip !== undefined && body.gateway_ip !== null && body.gateway_ip !== gateway) throw badRequest(`The gateway of this cloud's subnets is the first address (${gateway}).`);
    const projectId = (isAdmin(ctx) && typeof body.project_id === 'string' ? body.project_id : undefined) ?? network.project_id;
    let engineNetwork: string | null = null;
    if (network.external !== 1) {
      const made = await this.engine.create(engineNetworkName(network.id), { subnet: `${formatAddress(cidr.network)}/${cidr.prefix}`, mtu: network.mtu, labels: { 'org.openstack.network-id': network.id } })
        .catch((e: Error) => { throw e.name === 'InvalidArgumentError' ? badRequest(e.message) : e; });
      engineNetwork = made.id;
    }
    try {
      return this.store.insert<SubnetRow>('neutron_subnets', {
        network_id: network.id, project_id: projectId, name: String(body.name ?? ''), description: String(body.description ?? ''),
        cidr: `${formatAddress(cidr.network)}/${cidr.prefix}`, gateway_ip: gateway, engine_network: engineNetwork,
      });
    } catch (err) {
      if (engineNetwork) await this.engine.remove(engineNetwork).catch(() => undefined);
      throw err;
    }
  }

  async deleteSubnet(ctx: RequestContext, id: string): Promise<void> {
    const subnet = this.owned<SubnetRow>(ctx, 'neutron_subnets', id, 'Subnet');
    if (this.store.portsOf({ networkId: subnet.network_id }).some((p) => p.device_id !== '')) throw conflict(`Unable to complete operation on subnet ${id}: one or more ports have an IP allocation from this subnet.`);
    if (subnet.engine_network) {
      try { await this.engine.remove(subnet.engine_network); } catch (e) { if ((e as Error).name !== 'NotFoundError') throw e; }
    }
    this.store.delete('neutron_subnets', id);
  }

  /** A new port on a network with a subnet, with its fixed IP: the one `fixed_ips` asks for, or the first free one. */
  createPort(ctx: RequestContext, body: Record<string, any>, options: { madeByNova?: boolean; projectId?: string } = {}): PortRow {
    const network = this.network(ctx, String(body.network_id ?? ''));
    if (network.external === 1) throw badRequest(`Network ${network.id} is external: it carries floating IPs, not ports.`);
    const subnet = this.store.subnetOf(network.id);
    if (!subnet) throw badRequest(`Network ${network.id} has no subnet: create one before ports.`);
    const projectId = options.projectId ?? ctx.projectId!;
    const groups = this.groupIds(projectId, body.security_groups);
    const fixedIp = this.fixedIps.choose(subnet, body.fixed_ips);
    return this.store.insert<PortRow>('neutron_ports', {
      network_id: network.id, project_id: projectId, name: String(body.name ?? ''), description: String(body.description ?? ''), mac: neutronMac(), fixed_ip: fixedIp,
      security_groups: JSON.stringify(body.port_security_enabled === false ? [] : groups), port_security: body.port_security_enabled === false ? 0 : 1,
      device_id: String(body.device_id ?? ''), device_owner: String(body.device_owner ?? ''), made_by_nova: options.madeByNova ? 1 : 0,
    });
  }

  /** Security group references (ids or names) of a project as ids; the default group when none are given. */
  groupIds(projectId: string, refs: unknown): string[] {
    if (refs === undefined || refs === null) return [this.store.defaultGroup(projectId).id];
    if (!Array.isArray(refs)) throw badRequest('security_groups must be a list');
    return refs.map((ref) => {
      const g = this.store.findGroup(projectId, String(ref));
      if (!g) throw notFound(`Security group ${String(ref)} does not exist`);
      return g.id;
    });
  }

  async deletePort(ctx: RequestContext, id: string): Promise<void> {
    const port = this.owned<PortRow>(ctx, 'neutron_ports', id, 'Port');
    if (port.device_owner.startsWith('compute:') && port.device_id !== '') throw conflict(`Port ${id} is in use by server ${port.device_id}: remove the server first.`);
    this.store.db.prepare('UPDATE neutron_floating_ips SET port_id = NULL WHERE port_id = ?').run(id);
    this.store.delete('neutron_ports', id);
    await this.sync.all();
  }

  deleteGroup(ctx: RequestContext, id: string): void {
    const group = this.owned<GroupRow>(ctx, 'neutron_security_groups', id, 'Security group');
    if (group.name === 'default') throw conflict('Removing the default security group is not allowed.');
    const users = this.store.all<PortRow>('neutron_ports').filter((p) => (JSON.parse(p.security_groups) as string[]).includes(id));
    if (users.length > 0) throw conflict(`Security Group ${id} in use.`);
    this.store.delete('neutron_security_groups', id);
  }

  /** A free address of an external network's pool. */
  allocateFloating(network: NetworkRow, wanted?: string): string {
    const subnet = this.store.subnetOf(network.id);
    if (!subnet) throw badRequest(`External network ${network.id} has no subnet to allocate floating IPs from.`);
    const s = parseSubnet(subnet.cidr);
    const used = new Set(this.store.all<FloatingIpRow>('neutron_floating_ips').map((f) => parseAddress(f.address)));
    if (wanted !== undefined) {
      const a = parseAddress(wanted);
      if (a <= s.network + 1 || a >= lastAddress(s)) throw badRequest(`${wanted} is not in the allocation pool of ${subnet.cidr}.`);
      if (used.has(a)) throw conflict(`IP address ${wanted} already allocated in subnet ${subnet.id}.`);
      return wanted;
    }
    for (let a = s.network + 2; a < lastAddress(s); a++) if (!used.has(a)) return formatAddress(a);
    throw conflict(`No more IP addresses available on network ${network.id}.`);
  }
}
