/**
 * Keeps the kernel in line with Neutron's rows: every bound server's firewall (its ports'
 * security groups, remote groups resolved to their members' addresses) and the floating
 * IP table. Called after any change that can alter either. Each piece is written from the
 * rows as they are when its write starts, and writes to one piece are ordered, so the last
 * one always wins with the latest state: per namespace for the firewalls
 * (namespace-firewalls.ts), one at a time for the floating IP table.
 */
import type winston from 'winston';
import type { NetworkService } from '../../engine/network/network-service.js';
import { firewallPlan } from './security-group-firewall.js';
import { CoalescedRun } from './coalesced-run.js';
import { NamespaceFirewalls, type WantedFirewall } from './namespace-firewalls.js';
import { applyFloatingIps, type FloatingMapping, floatingTableOf } from './floating-ip-nat.js';
import type { FloatingIpRow, NetworkRow, NeutronStore, PortRow, RuleRow } from './neutron-store.js';

export type ServerAddresses = Record<string, Array<{ address: string; mac: string; type: 'fixed' | 'floating' }>>;

/** Nova's `addresses` of a server from its ports: each fixed IP, then the floating IPs mapped to it. */
export function serverAddresses(store: NeutronStore, serverId: string): ServerAddresses {
  const ports = store.portsOf({ deviceId: serverId });
  const floating = ports.flatMap((p) => store.floatingIpOfPort(p.id));
  return addressesOf(ports, (id) => store.get<NetworkRow>('neutron_networks', id).name, floating);
}

const byCreation = (a: { created_at: number; id: string }, b: { created_at: number; id: string }) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** `addresses` from a server's ports, the names of their networks and the floating IPs (of these ports or others). */
function addressesOf(ports: PortRow[], networkName: (id: string) => string, floating: FloatingIpRow[]): ServerAddresses {
  const addresses: ServerAddresses = {};
  for (const p of [...ports].sort(byCreation).filter((port) => port.fixed_ip !== null)) {
    const list = (addresses[networkName(p.network_id)] ??= []);
    list.push({ address: p.fixed_ip!, mac: p.mac, type: 'fixed' });
    for (const f of floating.filter((row) => row.port_id === p.id).sort(byCreation)) list.push({ address: f.address, mac: p.mac, type: 'floating' });
  }
  return addresses;
}

export class FirewallSync {
  /** Told each server's addresses (fixed, then floating) after every apply, to show them in Nova. */
  onAddresses?: (serverId: string, addresses: ServerAddresses) => void;
  /** The metadata server's port on 127.0.0.1, once it listens. */
  metadataPort?: number;

  private readonly firewalls: NamespaceFirewalls;
  /** The pass over every server. */
  private readonly pass = new CoalescedRun(() => this.refresh(undefined, false));
  /** Writes of the floating IP table, which is one table on the host. */
  private readonly floatingWrite = new CoalescedRun(() => this.applyFloating());
  /** The floating IP table's content last applied, so a boot whose start applied it already does not apply it again. */
  private appliedFloating?: string;

  constructor(private readonly store: NeutronStore, private readonly engine: NetworkService, private readonly log: winston.Logger) {
    this.firewalls = new NamespaceFirewalls(log);
  }

  /** The nft table of this data dir's floating IPs. */
  get floatingTable(): string {
    return floatingTableOf(this.engine.names);
  }

  /**
   * Applies everything again (after a pass under way); resolves when applied. Many servers
   * booting at once share one queued pass instead of one each.
   */
  all(): Promise<void> {
    return this.pass.request();
  }

  /**
   * Applies one server's firewall (and the host-side floating IP and metadata rules) and
   * resolves, without waiting for a pass over the other servers under way (only for an
   * apply to its own namespace). The other servers' rulesets, which name its address when
   * it shares their groups, follow in the background: they only learn to admit the
   * newcomer a moment later, which keeps them closed, never open. `strict` (a start
   * waiting for its rules) rejects when the server's ruleset cannot be applied.
   */
  server(serverId: string, options: { strict?: boolean } = {}): Promise<void> {
    const run = this.refresh(serverId, options.strict === true);
    void run.then(() => this.all()).catch((err: Error) => this.log.warn('security group apply failed', { error: err.message }));
    return run;
  }

  private async refresh(only: string | undefined, strict: boolean): Promise<void> {
    // Which namespaces this apply writes; what it writes there is read once they are its own.
    const namespaces = this.engine.store.namespaces();
    const endpoints = [...this.boundServers().keys()].filter((id) => only === undefined || id === only).flatMap((id) => namespaces.get(`instance-${id}`)?.endpointId ?? []);
    await this.firewalls.apply(endpoints, () => this.wanted(only), strict);
    await this.floatingWrite.request();
    this.showAddresses(only);
    if (only === undefined) this.firewalls.forgetAllBut(new Set([...this.engine.store.namespaces().values()].map((n) => n.endpointId)));
  }

  /** The addresses last told for each server, so a pass tells only the servers whose addresses changed. */
  private readonly told = new Map<string, string>();

  /** Tells each server's addresses (only `only`'s when given) that changed since last told. */
  private showAddresses(only: string | undefined): void {
    if (!this.onAddresses) return;
    const servers = this.boundServers();
    const networks = new Map(this.store.all<NetworkRow>('neutron_networks').map((n) => [n.id, n.name]));
    const floating = this.store.all<FloatingIpRow>('neutron_floating_ips').filter((f) => f.port_id !== null);
    for (const [serverId, ports] of servers) {
      if (only !== undefined && serverId !== only) continue;
      const addresses = addressesOf(ports, (id) => networks.get(id)!, floating);
      const text = JSON.stringify(addresses);
      // A server's own apply always tells (its record may have been written meanwhile); a pass only what changed.
      if (only === undefined && this.told.get(serverId) === text) continue;
      this.told.set(serverId, text);
      this.onAddresses(serverId, addresses);
    }
    if (only === undefined) for (const id of this.told.keys()) if (!servers.has(id)) this.told.delete(id);
  }

  /** The ports of servers bound to Neutron, by server. */
  private boundServers(): Map<string, PortRow[]> {
    const servers = new Map<string, PortRow[]>();
    for (const p of this.store.all<PortRow>('neutron_ports')) {
      if (p.device_id === '' || !p.device_owner.startsWith('compute:')) continue;
      const list = servers.get(p.device_id);
      if (list) list.push(p);
      else servers.set(p.device_id, [p]);
    }
    return servers;
  }

  /** Each running server's firewall from the current rows (only `only`'s when given), by endpoint id. */
  private wanted(only: string | undefined): Map<string, WantedFirewall> {
    const servers = this.boundServers();
    const groupsOf = new Map<string, string[]>();
    const members = new Map<string, string[]>();
    for (const p of [...servers.values()].flat()) {
      const groups = JSON.parse(p.security_groups) as string[];
      groupsOf.set(p.id, groups);
      if (p.fixed_ip === null) continue;
      for (const g of groups) {
        const list = members.get(g);
        if (list) list.push(p.fixed_ip);
        else members.set(g, [p.fixed_ip]);
      }
    }
    const rulesOf = new Map<string, RuleRow[]>();
    const rulesOfGroup = (g: string) => rulesOf.get(g) ?? rulesOf.set(g, this.store.rulesOf(g)).get(g)!;
    const namespaces = this.engine.store.namespaces();
    const wanted = new Map<string, WantedFirewall>();
    for (const [serverId, serverPorts] of servers) {
      if (only !== undefined && serverId !== only) continue;
      const namespace = namespaces.get(`instance-${serverId}`);
      if (!namespace) continue; // not running: its namespace comes back at start, and so does this
      const open = serverPorts.some((p) => p.port_security === 0);
      const groups = [...new Set(serverPorts.flatMap((p) => groupsOf.get(p.id)!))];
      const rules: RuleRow[] | undefined = open ? undefined : groups.flatMap(rulesOfGroup);
      wanted.set(namespace.endpointId, { serverId, netns: namespace.netns, plan: firewallPlan(rules, (g) => members.get(g) ?? []) });
    }
    return wanted;
  }

  /** Brings the floating IP table in line with the rows. */
  private async applyFloating(): Promise<void> {
    const servers = this.boundServers();
    const ports = [...servers.values()].flat();
    const mappings: FloatingMapping[] = [];
    for (const f of this.store.all<FloatingIpRow>('neutron_floating_ips')) {
      const port = f.port_id === null ? undefined : ports.find((p) => p.id === f.port_id);
      if (port?.fixed_ip) mappings.push({ floating: f.address, fixed: port.fixed_ip });
    }
    // The metadata route exists while any server has a port, and goes with the last one.
    const metadata = this.metadataPort !== undefined && servers.size > 0 ? { port: this.metadataPort, bridges: `${this.engine.names.bridge('')}*` } : undefined;
    const floating = JSON.stringify({ mappings, metadata });
    if (floating === this.appliedFloating) return;
    this.appliedFloating = undefined;
    await applyFloatingIps(this.floatingTable, mappings, metadata);
    this.appliedFloating = floating;
  }
}
