/**
 * Nova's side of Neutron: a server's ports. `networks` in a create body is a list of
 * `{uuid}` (a port is made on that network), `{port}` (a port made beforehand is bound),
 * or absent/`auto` (the project's `auto_allocated_network`, made with a free subnet on first
 * use), or `none`; `{uuid, fixed_ip}` asks for that address. A port's fixed IP is Neutron's
 * (fixed-ips.ts), and the driver gives the interface exactly that address; what the
 * instance really got is recorded at each start (matched by MAC), before its process runs.
 */
import type { InstanceInfo, SpawnNetwork } from '../../drivers/compute-driver.js';
import { badRequest, conflict, notFound } from '../http/api-error.js';
import type { RequestContext } from '../http/request-context.js';
import type { ServerNetworking } from '../compute/server-networking.js';
import type { ServerRecord } from '../compute/server-store.js';
import { serverAddresses } from './firewall-sync.js';
import { remoteServersOf } from './remote-servers.js';
import { engineNetworkName, type NeutronCore } from './neutron-core.js';
import { type NetworkRow, type PortRow, type SubnetRow, neutronMac } from './neutron-store.js';

export const autoNetworkName = 'auto_allocated_network';

type Nic = { uuid?: string; port?: string; fixed_ip?: string };

export class ServerPorts implements ServerNetworking {
  /** Servers whose ports on the default network are made at spawn: their security groups. */
  private readonly pendingAuto = new Map<string, { projectId: string; groups: string[] }>();
  private autoChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: NeutronCore) {}

  private nics(body: Record<string, any>): Nic[] | 'auto' | 'none' {
    const n = body.networks;
    if (n === undefined || n === 'auto') return 'auto';
    if (n === 'none') return 'none';
    return n as Nic[];
  }

  check(ctx: RequestContext, body: Record<string, any>): void {
    const projectId = ctx.projectId!;
    const groupNames = (body.security_groups as Array<{ name?: string }> | undefined)?.map((g) => g.name ?? '');
    if (groupNames) this.core.groupIds(projectId, groupNames);
    const nics = this.nics(body);
    if (!Array.isArray(nics)) return;
    const count = Number(body.max_count ?? body.min_count ?? 1);
    for (const nic of nics) {
      if (nic.port !== undefined) {
        if (count > 1) throw badRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
        const port = this.core.store.find<PortRow>('neutron_ports', nic.port);
        if (!port || (port.project_id !== projectId)) throw badRequest(`Port ${nic.port} could not be found.`);
        if (port.device_id !== '') throw conflict(`Port ${nic.port} is still in use.`);
      } else if (nic.uuid !== undefined) {
        let network: NetworkRow;
        try { network = this.core.network(ctx, nic.uuid); } catch { throw badRequest(`Network ${nic.uuid} could not be found.`); }
        if (network.external === 1) throw badRequest(`Network ${nic.uuid} is external: attach servers to a tenant network and give them a floating IP.`);
        const subnet = this.core.store.subnetOf(network.id);
        if (!subnet) throw badRequest(`Network ${nic.uuid} requires a subnet in order to boot instances on.`);
        if (nic.fixed_ip !== undefined) this.checkFixedIp(subnet, nic.fixed_ip, count);
      } else {
        throw badRequest('Each network of a server needs a "uuid" or a "port".');
      }
    }
  }

  /** Nova's checks of `networks[].fixed_ip` (its faults, 400, not Neutron's). */
  private checkFixedIp(subnet: SubnetRow, address: unknown, count: number): void {
    if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw badRequest(`Invalid input for field/attribute fixed_ip. Value: ${String(address)}. '${String(address)}' is not a 'ipv4'`);
    if (count > 1) throw badRequest('max_count cannot be greater than 1 if an fixed_ip is specified.');
    try {
      this.core.fixedIps.check(subnet, address);
    } catch (err) {
      const holder = this.core.fixedIps.holder(subnet, address);
      if (holder) throw badRequest(`Fixed IP address ${address} is already in use on instance ${holder.device_id}.`);
      throw badRequest((err as Error).message);
    }
  }

  plan(ctx: RequestContext, serverId: string, body: Record<string, any>): void {
    const projectId = ctx.projectId!;
    const groupNames = (body.security_groups as Array<{ name?: string }> | undefined)?.map((g) => g.name ?? '');
    const groups = this.core.groupIds(projectId, groupNames);
    const nics = this.nics(body);
    if (nics === 'none') return;
    if (nics === 'auto') {
      this.pendingAuto.set(serverId, { projectId, groups });
      return;
    }
    for (const nic of nics) {
      if (nic.port !== undefined) {
        this.core.store.update('neutron_ports', nic.port, { device_id: serverId, device_owner: 'compute:nova' });
      } else {
        this.core.createPort(ctx, {
          network_id: nic.uuid, security_groups: groups, device_id: serverId, device_owner: 'compute:nova', ...(nic.fixed_ip !== undefined && { fixed_ips: [{ ip_address: nic.fixed_ip }] }),
        }, { madeByNova: true, projectId });
      }
    }
  }

  async interfaces(server: ServerRecord, hostname: string): Promise<SpawnNetwork[]> {
    const auto = this.pendingAuto.get(server.id);
    if (auto) {
      const network = await this.autoNetwork(auto.projectId);
      this.core.store.insert<PortRow>('neutron_ports', {
        network_id: network.id, project_id: auto.projectId, name: '', mac: neutronMac(), fixed_ip: this.core.fixedIps.choose(this.core.store.subnetOf(network.id)!, undefined),
        security_groups: JSON.stringify(auto.groups), device_id: server.id, device_owner: 'compute:nova', made_by_nova: 1,
      });
      this.pendingAuto.delete(server.id);
    }
    return this.core.store.portsOf({ deviceId: server.id }).map((port) => {
      const subnet = this.core.store.subnetOf(port.network_id);
      if (!subnet?.engine_network) throw notFound(`Network ${port.network_id} of port ${port.id} has no subnet any more.`);
      // A port made before Neutron chose addresses at create gets one now.
      const address = port.fixed_ip ?? this.core.store.update<PortRow>('neutron_ports', port.id, { fixed_ip: this.core.fixedIps.choose(subnet, undefined) }).fixed_ip!;
      return { network: subnet.engine_network, mac: port.mac, aliases: [hostname], portId: port.id, address };
    });
  }

  /** The project's default network, made with a free /24 on first use (one at a time, so two boots make one). */
  private autoNetwork(projectId: string): Promise<NetworkRow> {
    const run = this.autoChain.then(async () => {
      const found = this.core.store.db.prepare('SELECT * FROM neutron_networks WHERE project_id = ? AND auto_allocated = 1 ORDER BY created_at LIMIT 1').get(projectId) as NetworkRow | undefined;
      if (found && this.core.store.subnetOf(found.id)) return found;
      const network = found ?? this.core.store.insert<NetworkRow>('neutron_networks', { project_id: projectId, name: autoNetworkName, auto_allocated: 1 });
      const made = await this.core.engine.create(engineNetworkName(network.id), { labels: { 'org.openstack.network-id': network.id } });
      this.core.store.insert<SubnetRow>('neutron_subnets', {
        network_id: network.id, project_id: projectId, name: 'auto_allocated_subnet_v4', cidr: made.subnet, gateway_ip: made.gateway, engine_network: made.id,
      });
      return network;
    });
    this.autoChain = run.catch(() => undefined);
    return run;
  }

  async prestart(serverId: string, addresses: InstanceInfo['addresses']): Promise<void> {
    // Not a Nova server with ports (a Heat container resource): nothing to filter.
    if (this.core.store.portsOf({ deviceId: serverId }).length === 0) return;
    this.record(serverId, addresses);
    await this.core.sync.server(serverId, { strict: true });
  }

  async bound(serverId: string, info: InstanceInfo): Promise<ServerRecord['addresses']> {
    remoteServersOf(this.core.store.db).mark(serverId, info.remoteNetwork === true);
    this.record(serverId, info.addresses);
    await this.core.sync.server(serverId);
    return serverAddresses(this.core.store, serverId);
  }

  /** Each port's fixed IP: the address of the interface with its MAC. */
  private record(serverId: string, addresses: InstanceInfo['addresses']): void {
    for (const port of this.core.store.portsOf({ deviceId: serverId })) {
      const found = Object.entries(addresses).flatMap(([, list]) => list).find((a) => a.mac === port.mac);
      // A driver that picks its own addresses (or none) is believed over the allocation.
      if (found !== undefined && found.address !== port.fixed_ip) this.core.store.update('neutron_ports', port.id, { fixed_ip: found.address });
    }
  }

  async release(serverId: string): Promise<void> {
    remoteServersOf(this.core.store.db).mark(serverId, false);
    this.pendingAuto.delete(serverId);
    for (const port of this.core.store.portsOf({ deviceId: serverId })) {
      if (port.made_by_nova === 1) {
        this.core.store.db.prepare('UPDATE neutron_floating_ips SET port_id = NULL WHERE port_id = ?').run(port.id);
        this.core.store.delete('neutron_ports', port.id);
      } else {
        // Unbound, it keeps its fixed IP, as a Neutron port does.
        this.core.store.update('neutron_ports', port.id, { device_id: '', device_owner: '' });
      }
    }
    await this.core.sync.all();
  }
}
