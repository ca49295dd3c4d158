/**
 * Keeps the kernel in line with Neutron's rows: every bound server's firewall (its ports'
 * security groups, remote groups resolved to their members' addresses) and the floating
 * IP table. Called after any change that can alter either; runs one at a time, each run
 * from the current rows, so the last one always wins with the latest state.
 */
import type winston from 'winston';
import type { NetworkService } from '../../engine/network/network-service.js';
import { applyFirewall, firewallRuleset } from './security-group-firewall.js';
import { applyFloatingIps, type FloatingMapping, floatingTableOf } from './floating-ip-nat.js';
import type { FloatingIpRow, NetworkRow, NeutronStore, PortRow, RuleRow } from './neutron-store.js';

export type ServerAddresses = Record<string, Array<{ address: string; mac: string; type: 'fixed' | 'floating' }>>;

/** Nova's `addresses` of a server from its ports: each fixed IP, then the floating IPs mapped to it. */
export function serverAddresses(store: NeutronStore, serverId: string): ServerAddresses {
  const addresses: ServerAddresses = {};
  for (const p of store.portsOf({ deviceId: serverId }).filter((port) => port.fixed_ip !== null)) {
    const list = (addresses[store.get<NetworkRow>('neutron_networks', p.network_id).name] ??= []);
    list.push({ address: p.fixed_ip!, mac: p.mac, type: 'fixed' });
    for (const f of store.floatingIpOfPort(p.id)) list.push({ address: f.address, mac: p.mac, type: 'floating' });
  }
  return addresses;
}

export class FirewallSync {
  private chain: Promise<void> = Promise.resolve();
  /** Told each server's addresses (fixed, then floating) after every apply, to show them in Nova. */
  onAddresses?: (serverId: string, addresses: ServerAddresses) => void;
  /** The metadata server's port on 127.0.0.1, once it listens. */
  metadataPort?: number;

  constructor(private readonly store: NeutronStore, private readonly engine: NetworkService, private readonly log: winston.Logger) {}

  /** The nft table of this data dir's floating IPs. */
  get floatingTable(): string {
    return floatingTableOf(this.engine.names);
  }

  /** A run queued behind the one under way, not yet started: later callers share it (it reads the rows when it starts). */
  private queued?: Promise<void>;
  /** The ruleset last applied to each interface (by endpoint id, new at every attach), so an unchanged one is not applied again. */
  private readonly applied = new Map<string, string>();
  /** The floating IP table's content last applied, so a boot whose start applied it already does not apply it again. */
  private appliedFloating?: string;

  /**
   * Applies everything again (after a run under way); resolves when applied. Many servers
   * booting at once share one queued run instead of one each.
   */
  all(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.apply();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies one server's firewall (and the host-side floating IP and metadata rules) and
   * resolves; the other servers' rulesets, which name its address when it shares their
   * groups, follow in the background. A boot so waits for its own rules only, not for
   * every server of the project: they only learn to admit the newcomer a moment later,
   * which keeps them closed, never open. `strict` (a start waiting for its rules) rejects
   * when the server's ruleset cannot be applied, instead of logging it.
   */
  server(serverId: string, options: { strict?: boolean } = {}): Promise<void> {
    const run = this.chain.then(() => this.apply(serverId, options.strict));
    this.chain = run.catch(() => undefined);
    void run.then(() => this.all()).catch((err: Error) => this.log.warn('security group apply failed', { error: err.message }));
    return run;
  }

  private async apply(only?: string, strict = false): Promise<void> {
    const ports = this.store.all<PortRow>('neutron_ports').filter((p) => p.device_id !== '' && p.device_owner.startsWith('compute:'));
    const members = (groupId: string) => ports.filter((p) => p.fixed_ip !== null && (JSON.parse(p.security_groups) as string[]).includes(groupId)).map((p) => p.fixed_ip!);
    const servers = new Map<string, PortRow[]>();
    for (const p of ports) servers.set(p.device_id, [...(servers.get(p.device_id) ?? []), p]);
    const endpoints = this.engine.store.allEndpoints();
    for (const [serverId, serverPorts] of servers) {
      if (only !== undefined && serverId !== only) continue;
      const endpoint = endpoints.find((e) => e.containerName === `instance-${serverId}`);
      if (!endpoint) continue; // not running: its namespace comes back at start, and so does this
      const open = serverPorts.some((p) => p.port_security === 0);
      const groups = [...new Set(serverPorts.flatMap((p) => JSON.parse(p.security_groups) as string[]))];
      const rules: RuleRow[] | undefined = open ? undefined : groups.flatMap((g) => this.store.rulesOf(g));
      const ruleset = firewallRuleset(rules, members);
      if (this.applied.get(endpoint.id) === ruleset) continue;
      try {
        await applyFirewall(endpoint.netns, ruleset);
        this.applied.set(endpoint.id, ruleset);
      } catch (err) {
        if (strict) throw err;
        // The namespace went away under us (the server stopped): its next start applies again.
        this.log.warn('security group apply failed', { server_id: serverId, error: (err as Error).message });
      }
    }
    const mappings: FloatingMapping[] = [];
    for (const f of this.store.all<FloatingIpRow>('neutron_floating_ips')) {
      const port = f.port_id === null ? undefined : ports.find((p) => p.id === f.port_id);
      if (port?.fixed_ip) mappings.push({ floating: f.address, fixed: port.fixed_ip });
    }
    // The metadata route exists while any server has a port, and goes with the last one.
    const metadata = this.metadataPort !== undefined && servers.size > 0 ? { port: this.metadataPort, bridges: `${this.engine.names.bridge('')}*` } : undefined;
    const floating = JSON.stringify({ mappings, metadata });
    if (floating !== this.appliedFloating) {
      this.appliedFloating = undefined;
      await applyFloatingIps(this.floatingTable, mappings, metadata);
      this.appliedFloating = floating;
    }
    for (const serverId of servers.keys()) if (only === undefined || serverId === only) this.onAddresses?.(serverId, serverAddresses(this.store, serverId));
    if (only !== undefined) return;
    const live = new Set(endpoints.map((e) => e.id));
    for (const id of this.applied.keys()) if (!live.has(id)) this.applied.delete(id);
  }
}
