/**
 * Bridge networking on this host: networks (a bridge each, an embedded DNS server each),
 * endpoints (veth pairs into container network namespaces) and published ports (one
 * nftables table per data dir). The implementation of `ContainerNetworking`, plus the
 * network objects the CLI manages. Every change that can fail undoes what it did.
 */
import fs from 'node:fs';
import { FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import type { EngineDatabase } from '../metadata/database.js';
import { containerNetworkFiles } from './container-files.js';
import { ipBatch } from './host-command.js';
import { ensureDns, stopDns } from './dns/dns-process.js';
import { type HostNames, hostNames } from './host-names.js';
import { deleteLink, deleteNamespace, ensureBridge, ensureNamespace, hostRouteSubnets, linkExists, listLinks, listNamespaces, plugEndpoint } from './host-links.js';
import type { ContainerNetworkFiles, ContainerNetworking, Endpoint, EndpointRequest, NetworkOptions, NetworkRecord, NetworkedContainer } from './network.js';
import { applyRuleset } from './nft-apply.js';
import { type Allocation, NetworkStore, type StoredEndpoint } from './network-store.js';
import { claimHostPort } from './port-spec.js';
import { parseAddress } from './subnet.js';

/** The name of the network containers join when they ask for none. */
export const defaultNetworkName = 'intermodal0';

/** What `reconcile` removed. */
export interface ReconcileReport {
  endpoints: string[];
  links: string[];
  namespaces: string[];
}

/** Networks and container interfaces of one data dir. */
export class NetworkService implements ContainerNetworking {
  readonly store: NetworkStore;
  readonly names: HostNames;

  constructor(private readonly db: EngineDatabase, private readonly dataDir: string) {
    this.names = hostNames(dataDir);
    this.store = new NetworkStore(db, this.names);
  }

  /**
   * Records a network and brings up its bridge at once, so that its subnet is a route on
   * this host that another data dir picking a subnet will see; its DNS server comes up
   * with its first endpoint.
   */
  async create(name: string, options: NetworkOptions = {}): Promise<NetworkRecord> {
    const ours = new Set(this.store.list().map((n) => n.bridge));
    const network = this.store.create(name, options, await hostRouteSubnets(ours));
    try {
      await ensureBridge(network);
      applyRuleset(this.db, this.store, this.names.table);
    } catch (err) {
      this.store.delete(network.id);
      await deleteLink(network.bridge).catch(() => undefined);
      applyRuleset(this.db, this.store, this.names.table);
      throw err;
    }
    return network;
  }

  /** Every network. */
  list(): NetworkRecord[] {
    return this.store.list();
  }

  /** A network by name, id or id prefix. */
  get(ref: string): NetworkRecord {
    return this.store.get(ref);
  }

  /** Removes a network with its bridge, DNS server and rules; refused while containers use it. */
  async remove(ref: string): Promise<void> {
    const network = this.store.get(ref);
    // The row goes first, in a transaction that refuses while endpoints exist: an attach
    // racing with us either got its endpoint in (we refuse) or finds no network. A
    // bridge left by a failure below is an orphan reconcile removes.
    this.store.delete(network.id);
    await stopDns(this.dataDir, this.store, this.store.list().length === 0);
    await deleteLink(network.bridge);
    applyRuleset(this.db, this.store, this.names.table);
  }

  /** The default network, created on first use. */
  async defaultNetwork(): Promise<NetworkRecord> {
    const found = this.store.find(defaultNetworkName);
    if (found) return found;
    try {
      return await this.create(defaultNetworkName);
    } catch (err) {
      const raced = this.store.find(defaultNetworkName);
      if (raced) return raced;
      throw err;
    }
  }

  async prepareNamespace(containerId: string): Promise<string> {
    return ensureNamespace(this.names.namespace(containerId));
  }

  check(requests: EndpointRequest[]): void {
    for (const request of requests) {
      // The default network is made on first use: it always exists, and is never internal.
      const network = request.network === undefined ? undefined : this.store.get(request.network);
      if (network?.internal && ((request.ports ?? []).length > 0 || request.publishAll)) throw new InvalidArgumentError(`network '${network.name}' is internal: it cannot publish ports`);
      if (request.mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(request.mac)) throw new InvalidArgumentError(`invalid MAC address '${request.mac}'`);
      if (request.address !== undefined) parseAddress(request.address);
      for (const alias of request.aliases ?? []) {
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(alias)) throw new InvalidArgumentError(`invalid network alias '${alias}'`);
      }
    }
  }

  async attach(container: NetworkedContainer, netns: string, requests: EndpointRequest[]): Promise<{ endpoints: Endpoint[]; files: ContainerNetworkFiles }> {
    if (!fs.existsSync(netns)) throw new InvalidArgumentError(`network namespace '${netns}' does not exist`);
    this.check(requests);
    const allocations: Allocation[] = [];
    for (const request of requests.length > 0 ? requests : [{}]) {
      const network = request.network === undefined ? await this.defaultNetwork() : this.store.get(request.network);
      const ports = request.ports ?? [];
      const claimed: typeof ports = [];
      for (const p of ports) claimed.push(await claimHostPort(p));
      allocations.push({
        network, aliases: request.aliases ?? [], ports: claimed, ...(request.mac !== undefined && { mac: request.mac.toLowerCase() }), ...(request.address !== undefined && { address: request.address }),
      });
    }
    const endpoints = this.store.allocate(container, netns, allocations);
    try {
      for (const e of endpoints) {
        const network = allocations.find((a) => a.network.id === e.networkId)!.network;
        await this.ensureUp(network);
        await plugEndpoint(e, network, this.names.peerVeth(e.id));
      }
      applyRuleset(this.db, this.store, this.names.table);
    } catch (err) {
      await this.unplug(endpoints).catch(() => undefined);
      throw err;
    }
    return { endpoints: publicEndpoints(endpoints), files: containerNetworkFiles(container, this.store.endpointsOfContainer(container.id)) };
  }

  /**
   * Connects a container that is already attached (or whose namespace is `netns`) to one
   * more network, as its next ethN.
   */
  async connect(container: NetworkedContainer, request: EndpointRequest, netns?: string): Promise<Endpoint> {
    const where = netns ?? this.store.endpointsOfContainer(container.id)[0]?.netns ?? `/run/netns/${this.names.namespace(container.id)}`;
    const { endpoints } = await this.attach(container, where, [request]);
    return endpoints[0]!;
  }

  /** Disconnects a container from one network. */
  async disconnect(containerId: string, networkRef: string): Promise<void> {
    const network = this.store.get(networkRef);
    const endpoint = this.store.endpointsOfContainer(containerId).find((e) => e.networkId === network.id);
    if (!endpoint) throw new FailedPreconditionError(`container ${containerId.slice(0, 12)} is not connected to network '${network.name}'`);
    await this.unplug([endpoint]);
  }

  async detach(containerId: string): Promise<void> {
    await this.unplug(this.store.endpointsOfContainer(containerId));
    await deleteNamespace(this.names.namespace(containerId));
  }

  endpoints(containerId: string): Endpoint[] {
    return publicEndpoints(this.store.endpointsOfContainer(containerId));
  }

  /** The /etc files of an attached container, from its current endpoints. */
  files(container: NetworkedContainer): ContainerNetworkFiles {
    return containerNetworkFiles(container, this.store.endpointsOfContainer(container.id));
  }

  /**
   * Settles what a crash or a host restart left: endpoints whose namespace is gone are
   * forgotten; this data dir's veths, bridges and namespaces that nothing recorded refers
   * to are deleted (namespaces and unplugged endpoints only once older than `graceMs`,
   * default a minute); networks in use get their bridge (with its ports) and DNS server back; the nftables
   * table is generated again from what remains.
   */
  async reconcile(options: { graceMs?: number } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = { endpoints: [], links: [], namespaces: [] };
    // Another process may be between making a namespace or recording an endpoint and
    // plugging it: what is younger than the grace period is spared unless clearly dead.
    const settled = Date.now() - (options.graceMs ?? 60_000);
    const gone = this.store.allEndpoints().filter((e) => !fs.existsSync(e.netns) || (!linkExists(e.hostVeth) && e.createdAt < settled));
    for (const e of gone) {
      await deleteLink(e.hostVeth);
      report.endpoints.push(e.id);
    }
    this.store.deleteEndpoints(gone.map((e) => e.id));
    const networks = this.store.list();
    const endpoints = this.store.allEndpoints();
    for (const link of await listLinks()) {
      const m = this.names.linkPattern.exec(link.name);
      if (!m) continue;
      const known = m[1] === 'b' ? networks.some((n) => n.bridge === link.name) : endpoints.some((e) => e.hostVeth === link.name);
      if (!known) {
        await deleteLink(link.name);
        report.links.push(link.name);
      }
    }
    for (const name of listNamespaces()) {
      const m = this.names.namespacePattern.exec(name);
      if (m && !endpoints.some((e) => e.containerId.startsWith(m[1]!)) && namespaceAge(name) < settled) {
        await deleteNamespace(name);
        report.namespaces.push(name);
      }
    }
    for (const n of networks) {
      const members = endpoints.filter((e) => e.networkId === n.id);
      if (members.length === 0) continue;
      await this.ensureUp(n, true);
      // A bridge made again (deleted behind our back) has lost its ports: plug them back.
      await ipBatch(members.map((e) => `link set ${e.hostVeth} master ${n.bridge} up`));
    }
    applyRuleset(this.db, this.store, this.names.table, { force: true });
    return report;
  }

  /** The network's bridge and DNS server, started if they are not running. */
  private async ensureUp(network: NetworkRecord, verify = false): Promise<void> {
    await ensureBridge(network, { verify });
    await ensureDns(this.dataDir, network, this.store);
  }

  /** Deletes endpoints' veth pairs (the container end goes with the host end), rows and rules. */
  private async unplug(endpoints: StoredEndpoint[]): Promise<void> {
    if (endpoints.length === 0) return;
    for (const e of endpoints) await deleteLink(e.hostVeth);
    this.store.deleteEndpoints(endpoints.map((e) => e.id));
    applyRuleset(this.db, this.store, this.names.table);
  }
}

function publicEndpoints(endpoints: StoredEndpoint[]): Endpoint[] {
  return endpoints.map(({ netns: _netns, createdAt: _createdAt, ...e }) => e);
}

/** When a named namespace was made (its nsfs inode's times, set when `ip netns add` pins it), in ms since the epoch; 0 if unknown. */
function namespaceAge(name: string): number {
  try {
    return fs.statSync(`/run/netns/${name}`).mtimeMs;
  } catch {
    return 0;
  }
}
