/**
 * Networks, endpoints and published ports in the engine database. The tables are this
 * module's own (created here if missing) so that networking needs no shared migration.
 * Address allocation is one write transaction: two processes attaching at once never get
 * the same address or host port.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { type EngineDatabase, transaction } from '../metadata/database.js';
import type { HostNames } from './host-names.js';
import type { Endpoint, NetworkOptions, NetworkRecord, PortMapping } from './network.js';
import { type Subnet, contains, firstFreeAddress, formatAddress, formatSubnet, lastAddress, overlaps, parseAddress, parseSubnet, pickFreeSubnet } from './subnet.js';

const schema = `
  CREATE TABLE IF NOT EXISTS networks (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    subnet      TEXT NOT NULL,
    gateway     TEXT NOT NULL,
    bridge      TEXT NOT NULL UNIQUE,
    external    INTEGER NOT NULL DEFAULT 0,
    internal    INTEGER NOT NULL DEFAULT 0,
    mtu         INTEGER NOT NULL DEFAULT 1500,
    labels      TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
  );
  -- The data dir's DNS server process (one for all its networks), while it runs.
  CREATE TABLE IF NOT EXISTS network_dns (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS network_endpoints (
    id              TEXT PRIMARY KEY,
    network_id      TEXT NOT NULL REFERENCES networks(id),
    container_id    TEXT NOT NULL,       -- no foreign key: tests attach bare namespaces
    container_name  TEXT NOT NULL,
    aliases         TEXT NOT NULL DEFAULT '[]',
    address         INTEGER NOT NULL,
    mac             TEXT NOT NULL,
    ifname          TEXT NOT NULL,
    host_veth       TEXT NOT NULL UNIQUE,
    netns           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (network_id, address),
    UNIQUE (network_id, container_id),
    UNIQUE (container_id, ifname)
  );
  CREATE TABLE IF NOT EXISTS network_ports (
    endpoint_id     TEXT NOT NULL REFERENCES network_endpoints(id) ON DELETE CASCADE,
    protocol        TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp')),
    host_ip         TEXT NOT NULL,
    host_port       INTEGER NOT NULL,
    container_port  INTEGER NOT NULL,
    PRIMARY KEY (protocol, host_ip, host_port)
  );
`;

interface NetworkRow {
  id: string; name: string; subnet: string; gateway: string; bridge: string; external: number; internal: number; mtu: number; labels: string; created_at: number;
}
interface EndpointRow {
  id: string; network_id: string; container_id: string; container_name: string; aliases: string; address: number; mac: string; ifname: string; host_veth: string; netns: string; created_at: number;
}

/** An endpoint as stored, with where its namespace is. */
export interface StoredEndpoint extends Endpoint {
  netns: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** What `allocate` is asked for, one per interface. */
export interface Allocation {
  network: NetworkRecord;
  aliases: string[];
  ports: PortMapping[];
  mac?: string;
  /** A chosen address (dotted quad); default the first free one. */
  address?: string;
}

const networkNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** The networking tables. */
export class NetworkStore {
  constructor(private readonly db: EngineDatabase, private readonly names: HostNames) {
    db.exec(schema);
  }

  /** Records a network; the subnet must not overlap another network or `hostRoutes`. */
  create(name: string, options: NetworkOptions, hostRoutes: Subnet[]): NetworkRecord {
    if (!networkNamePattern.test(name)) throw new InvalidArgumentError(`invalid network name '${name}': use up to 64 letters, digits, '_', '.' and '-', starting with a letter or digit`);
    if (options.external && options.internal) throw new InvalidArgumentError('a network cannot be both internal and external');
    const mtu = options.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535) throw new InvalidArgumentError(`invalid MTU ${mtu}: must be 576-65535`);
    const wanted = options.subnet !== undefined ? parseSubnet(options.subnet) : undefined;
    return transaction(this.db, () => {
      if (this.find(name)) throw new AlreadyExistsError(`network '${name}' already exists`);
      const others = this.list().map((n) => parseSubnet(n.subnet));
      let subnet: Subnet;
      if (wanted) {
        const clash = [...others, ...hostRoutes].find((s) => overlaps(s, wanted));
        if (clash) throw new InvalidArgumentError(`subnet ${formatSubnet(wanted)} overlaps ${formatSubnet(clash)}, already used on this host`);
        subnet = wanted;
      } else {
        subnet = pickFreeSubnet([...others, ...hostRoutes]);
      }
      const id = randomBytes(32).toString('hex');
      this.db.prepare('INSERT INTO networks (id, name, subnet, gateway, bridge, external, internal, mtu, labels, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, name, formatSubnet(subnet), formatAddress(subnet.network + 1), this.names.bridge(id), options.external ? 1 : 0, options.internal ? 1 : 0, mtu, JSON.stringify(options.labels ?? {}), Date.now());
      return this.get(id);
    });
  }

  /** Every network, by name. */
  list(): NetworkRecord[] {
    return (this.db.prepare('SELECT * FROM networks ORDER BY name').all() as NetworkRow[]).map(toNetwork);
  }

  /** By name, id or unique id prefix (at least 4 characters); undefined if none. */
  find(ref: string): NetworkRecord | undefined {
    const row = this.db.prepare('SELECT * FROM networks WHERE name = ? OR id = ?').get(ref, ref) as NetworkRow | undefined;
    if (row) return toNetwork(row);
    if (!/^[0-9a-f]{4,63}$/.test(ref)) return undefined;
    const rows = this.db.prepare("SELECT * FROM networks WHERE id LIKE ? || '%'").all(ref) as NetworkRow[];
    if (rows.length > 1) throw new InvalidArgumentError(`network id prefix '${ref}' is ambiguous`);
    return rows[0] && toNetwork(rows[0]);
  }

  /** Like `find`, but throws NotFoundError. */
  get(ref: string): NetworkRecord {
    const found = this.find(ref);
    if (!found) throw new NotFoundError(`network '${ref}' not found`);
    return found;
  }

  /** Deletes a network's row; refuses while it has endpoints. */
  delete(id: string): void {
    transaction(this.db, () => {
      const n = this.get(id);
      const users = this.endpointsOf(n.id).map((e) => e.containerName);
      if (users.length > 0) throw new FailedPreconditionError(`network '${n.name}' is in use by ${users.join(', ')}`);
      this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    });
  }

  /** The DNS server's pid, as recorded (it may have died since). */
  dnsPid(): number | undefined {
    return (this.db.prepare('SELECT pid FROM network_dns WHERE id = 1').get() as { pid: number } | undefined)?.pid;
  }

  /**
   * Records `pid` as the DNS server unless the recorded one still runs (`alive` says so):
   * of two servers started at once, one wins and the other steps down.
   */
  claimDns(pid: number, alive: (pid: number) => boolean): boolean {
    return transaction(this.db, () => {
      const current = this.dnsPid();
      if (current !== undefined && current !== pid && alive(current)) return false;
      this.db.prepare('INSERT INTO network_dns (id, pid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid').run(pid);
      return true;
    });
  }

  /**
   * Records one endpoint per allocation for a container, in one transaction: addresses,
   * interface names and host ports are taken atomically, or none is when any is refused.
   */
  allocate(container: { id: string; name: string }, netns: string, allocations: Allocation[]): StoredEndpoint[] {
    return transaction(this.db, () => {
      const ids: string[] = [];
      const ifnames = new Set((this.db.prepare('SELECT ifname FROM network_endpoints WHERE container_id = ?').all(container.id) as { ifname: string }[]).map((r) => r.ifname));
      for (const a of allocations) {
        if (this.db.prepare('SELECT 1 FROM network_endpoints WHERE network_id = ? AND container_id = ?').get(a.network.id, container.id)) {
          throw new AlreadyExistsError(`container ${container.name} is already connected to network '${a.network.name}'`);
        }
        const subnet = parseSubnet(a.network.subnet);
        const used = new Set((this.db.prepare('SELECT address FROM network_endpoints WHERE network_id = ?').all(a.network.id) as { address: number }[]).map((r) => r.address));
        used.add(parseAddress(a.network.gateway));
        const address = a.address === undefined ? firstFreeAddress(subnet, used) : chosenAddress(a.network, subnet, a.address, used);
        if (address === undefined) throw new FailedPreconditionError(`network '${a.network.name}' has no free address left in ${a.network.subnet}`);
        const id = randomBytes(32).toString('hex');
        let n = 0;
        while (ifnames.has(`eth${n}`)) n++;
        ifnames.add(`eth${n}`);
        const mac = a.mac ?? dockerMac(address);
        this.db.prepare('INSERT INTO network_endpoints (id, network_id, container_id, container_name, aliases, address, mac, ifname, host_veth, netns, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          id, a.network.id, container.id, container.name, JSON.stringify(a.aliases), address, mac, `eth${n}`, this.names.hostVeth(id), netns, Date.now());
        for (const p of a.ports) {
          const clash = this.db.prepare("SELECT 1 FROM network_ports WHERE protocol = ? AND host_port = ? AND (host_ip = ? OR host_ip = '0.0.0.0' OR ? = '0.0.0.0')").get(p.protocol, p.hostPort, p.hostIp, p.hostIp);
          if (clash) throw new FailedPreconditionError(`host port ${p.hostIp}:${p.hostPort}/${p.protocol} is already published`);
          this.db.prepare('INSERT INTO network_ports (endpoint_id, protocol, host_ip, host_port, container_port) VALUES (?, ?, ?, ?, ?)').run(id, p.protocol, p.hostIp, p.hostPort, p.containerPort);
        }
        ids.push(id);
      }
      return ids.map((id) => this.endpoint(id));
    });
  }

  /** One endpoint by id. */
  endpoint(id: string): StoredEndpoint {
    const row = this.db.prepare('SELECT * FROM network_endpoints WHERE id = ?').get(id) as EndpointRow | undefined;
    if (!row) throw new NotFoundError(`endpoint ${id} not found`);
    return this.toEndpoint(row);
  }

  /** A container's endpoints, eth0 first. */
  endpointsOfContainer(containerId: string): StoredEndpoint[] {
    return (this.db.prepare('SELECT * FROM network_endpoints WHERE container_id = ? ORDER BY ifname').all(containerId) as EndpointRow[]).map((r) => this.toEndpoint(r));
  }

  /** A network's endpoints. */
  endpointsOf(networkId: string): StoredEndpoint[] {
    return (this.db.prepare('SELECT * FROM network_endpoints WHERE network_id = ? ORDER BY address').all(networkId) as EndpointRow[]).map((r) => this.toEndpoint(r));
  }

  /** Every endpoint. */
  allEndpoints(): StoredEndpoint[] {
    return (this.db.prepare('SELECT * FROM network_endpoints').all() as EndpointRow[]).map((r) => this.toEndpoint(r));
  }

  /**
   * Each container's network namespace, by the container's name, with the id of its first
   * endpoint (eth0): one query, for callers that run often over every container (the
   * firewall sync), where allEndpoints() looks up each endpoint's network and ports.
   */
  namespaces(): Map<string, { endpointId: string; netns: string }> {
    const rows = this.db.prepare('SELECT id, container_name, netns FROM network_endpoints ORDER BY container_name, ifname').all() as Array<{ id: string; container_name: string; netns: string }>;
    const byName = new Map<string, { endpointId: string; netns: string }>();
    for (const r of rows) if (!byName.has(r.container_name)) byName.set(r.container_name, { endpointId: r.id, netns: r.netns });
    return byName;
  }

  /** Forgets endpoints (their ports go with them). */
  deleteEndpoints(ids: string[]): void {
    transaction(this.db, () => {
      for (const id of ids) this.db.prepare('DELETE FROM network_endpoints WHERE id = ?').run(id);
    });
  }

  /** The address an endpoint of `networkId` has for `name` (container name or alias, any case). */
  lookup(networkId: string, name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const e of this.endpointsOf(networkId)) {
      if (e.containerName.toLowerCase() === wanted || e.aliases.some((a) => a.toLowerCase() === wanted) || e.containerId.slice(0, 12) === wanted) return e.address;
    }
    return undefined;
  }

  /**
   * A name as the container at `client` on `networkId` sees it: the names of every network
   * that container is on (its own network's first), each answered with the address in
   * that network, as Docker's resolver does. A client that is no endpoint sees only
   * `networkId`'s names.
   */
  lookupFor(networkId: string, client: string, name: string): string | undefined {
    let asker: string | undefined;
    try {
      const row = this.db.prepare('SELECT container_id FROM network_endpoints WHERE network_id = ? AND address = ?').get(networkId, parseAddress(client)) as { container_id: string } | undefined;
      asker = row?.container_id;
    } catch {
      asker = undefined; // not an IPv4 address of ours
    }
    const networks = asker === undefined ? [networkId] : [networkId, ...this.endpointsOfContainer(asker).map((e) => e.networkId).filter((id) => id !== networkId)];
    for (const id of networks) {
      const address = this.lookup(id, name);
      if (address !== undefined) return address;
    }
    return undefined;
  }

  private toEndpoint(row: EndpointRow): StoredEndpoint {
    const network = this.get(row.network_id);
    const subnet = parseSubnet(network.subnet);
    if (!contains(subnet, row.address)) throw new Error(`endpoint ${row.id} address outside its subnet`);
    const ports = (this.db.prepare('SELECT protocol, host_ip, host_port, container_port FROM network_ports WHERE endpoint_id = ? ORDER BY host_port').all(row.id) as { protocol: 'tcp' | 'udp'; host_ip: string; host_port: number; container_port: number }[])
      .map((p) => ({ protocol: p.protocol, hostIp: p.host_ip, hostPort: p.host_port, containerPort: p.container_port }));
    return {
      id: row.id, networkId: network.id, networkName: network.name, containerId: row.container_id, containerName: row.container_name,
      aliases: JSON.parse(row.aliases) as string[], address: formatAddress(row.address), prefix: subnet.prefix, gateway: network.gateway,
      mac: row.mac, ifname: row.ifname, hostVeth: row.host_veth, netns: row.netns, createdAt: row.created_at, ports,
    };
  }
}

/** A chosen address, checked: inside the subnet, not its first or last, and free (the gateway counts as used). */
function chosenAddress(network: NetworkRecord, subnet: Subnet, text: string, used: Set<number>): number {
  const address = parseAddress(text);
  if (address <= subnet.network || address >= lastAddress(subnet)) throw new InvalidArgumentError(`address ${text} is not a usable address of network '${network.name}' (${network.subnet})`);
  if (used.has(address)) throw new AlreadyExistsError(`address ${text} is already in use on network '${network.name}'`);
  return address;
}

/** Docker's MAC scheme: the locally administered 02:42 followed by the IPv4 address's bytes. */
export function dockerMac(address: number): string {
  return ['02', '42', ...[24, 16, 8, 0].map((s) => ((address >>> s) & 255).toString(16).padStart(2, '0'))].join(':');
}

function toNetwork(row: NetworkRow): NetworkRecord {
  return {
    id: row.id, name: row.name, subnet: row.subnet, gateway: row.gateway, bridge: row.bridge, external: row.external === 1, internal: row.internal === 1,
    mtu: row.mtu, labels: JSON.parse(row.labels) as Record<string, string>, createdAt: new Date(row.created_at),
  };
}
