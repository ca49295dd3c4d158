/**
 * The kernel objects of networking: bridges, veth pairs, named network namespaces and
 * routes, read and changed through iproute2. Every call is idempotent where the
 * lifecycle needs it (a bridge that exists is kept; a link that is gone is not an error).
 */
import fs from 'node:fs';
import { ipBatch, runHostCommand } from './host-command.js';
import { FailedPreconditionError } from '../errors.js';
import { sys } from '../sys/index.js';
import type { NetworkRecord } from './network.js';
import type { StoredEndpoint } from './network-store.js';
import { type Subnet, parseAddress } from './subnet.js';

/** A link as `ip -j link` reports it. */
export interface HostLink {
  name: string;
  kind?: string;
  master?: string;
}

/** Every link on the host. */
export async function listLinks(): Promise<HostLink[]> {
  const links = JSON.parse(await runHostCommand('ip', ['-j', '-d', 'link', 'show'])) as { ifname: string; master?: string; linkinfo?: { info_kind?: string } }[];
  return links.map((l) => ({ name: l.ifname, ...(l.linkinfo?.info_kind && { kind: l.linkinfo.info_kind }), ...(l.master && { master: l.master }) }));
}

/** True when a link of that name exists (cheap: one stat). */
export function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/**
 * Makes the network's bridge with the gateway address, up, if it is not there. Loopback
 * sources may be routed to it (`route_localnet`): that is how a connection to
 * 127.0.0.1:PORT reaches a container after DNAT, masqueraded on the way out.
 */
export async function ensureBridge(network: NetworkRecord, options: { verify?: boolean } = {}): Promise<void> {
  const prefix = network.subnet.split('/')[1];
  // The address goes on before the bridge is set up, so an up bridge has been made
  // whole; only reconcile (`verify`) looks again. Saves two ip runs per attach.
  if (!options.verify && isUp(network.bridge)) return;
  if (!linkExists(network.bridge)) {
    await ipBatch([`link add ${network.bridge} mtu ${network.mtu} type bridge`]).catch((err: Error) => {
      if (!linkExists(network.bridge)) throw err; // another process made it meanwhile
    });
  }
  const addrs = JSON.parse(await runHostCommand('ip', ['-j', '-4', 'addr', 'show', 'dev', network.bridge])) as { addr_info?: { local: string }[] }[];
  if (!addrs[0]?.addr_info?.some((a) => a.local === network.gateway)) {
    await ipBatch([`addr add ${network.gateway}/${prefix} dev ${network.bridge}`]).catch(async (err: Error) => {
      const again = JSON.parse(await runHostCommand('ip', ['-j', '-4', 'addr', 'show', 'dev', network.bridge])) as { addr_info?: { local: string }[] }[];
      if (!again[0]?.addr_info?.some((a) => a.local === network.gateway)) throw err;
    });
  }
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${network.bridge}/route_localnet`, '1');
  await ipBatch([`link set ${network.bridge} up`]);
}

function isUp(name: string): boolean {
  try {
    return (Number(fs.readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim()) & 1) === 1;
  } catch {
    return false;
  }
}

/** Deletes a link (a bridge, or a veth pair by either end); gone already is fine. */
export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  await ipBatch([`link del ${name}`]).catch((err: Error) => {
    if (linkExists(name)) throw err;
  });
}

/**
 * Creates the endpoint's veth pair with its container end already in `netns`, plugs the
 * host end into the bridge, and configures the container end there: renamed to its
 * ifname, MAC, address, MTU, up, loopback up, default route via the gateway (none on an
 * internal network). Two `ip` processes in all. The host's and the other containers'
 * neighbour caches are told the address's MAC, which may be new for that address.
 */
export async function plugEndpoint(endpoint: StoredEndpoint, network: NetworkRecord, peerName: string): Promise<void> {
  await ipBatch([
    `link add ${endpoint.hostVeth} mtu ${network.mtu} type veth peer name ${peerName} mtu ${network.mtu} address ${endpoint.mac} netns ${endpoint.netns}`,
    `link set ${endpoint.hostVeth} master ${network.bridge} up`,
    // The address may have had another MAC a moment ago (a deleted server's): the host's cache learns the new one now.
    `neigh replace ${endpoint.address} lladdr ${endpoint.mac} dev ${network.bridge} nud stale`,
  ]);
  const inside = [
    `link set ${peerName} name ${endpoint.ifname}`,
    `addr add ${endpoint.address}/${endpoint.prefix} dev ${endpoint.ifname}`,
    `link set ${endpoint.ifname} up`,
    'link set lo up',
  ];
  // Only the first interface carries the default route, as Docker does.
  if (!network.internal && endpoint.ifname === 'eth0') inside.push(`route add default via ${endpoint.gateway} dev ${endpoint.ifname}`);
  await ipBatch(inside, endpoint.netns);
  // And so do the other containers' caches, which would otherwise keep sending to the old MAC.
  try {
    sys.announceAddress(network.bridge, endpoint.address, endpoint.mac);
  } catch {
    // Without it the address is reachable once their entries expire; not a reason to fail a start.
  }
}

/** Set once /run/netns is seen to be a shared mount: from then on namespaces are made in-process. */
let namespaceDirShared = false;

/** Whether the top mount at `dir` propagates (mountinfo's optional field `shared:N`). */
function isSharedMount(dir: string): boolean {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === dir);
  return lines.length > 0 && / shared:\d+/.test(lines[lines.length - 1]!.split(' - ')[0]!);
}

/**
 * Makes a named network namespace (`/run/netns/NAME`); kept if it exists. Loopback comes up
 * with the first interface. The first one is made by `ip netns add`, which also makes
 * /run/netns a shared mount; later ones by the addon, without an exec.
 */
export async function ensureNamespace(name: string): Promise<string> {
  const path = `/run/netns/${name}`;
  if (fs.existsSync(path)) return path;
  namespaceDirShared ||= fs.existsSync('/run/netns') && isSharedMount('/run/netns');
  if (!namespaceDirShared) {
    await ipBatch([`netns add ${name}`]);
    return path;
  }
  try {
    sys.makeNetNamespace(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return path; // another process made it meanwhile
    throw new FailedPreconditionError(`cannot make network namespace ${name}: ${(err as Error).message}`, { cause: err });
  }
  return path;
}

/** Deletes a named network namespace; gone already is fine. */
export async function deleteNamespace(name: string): Promise<void> {
  if (!fs.existsSync(`/run/netns/${name}`)) return;
  await ipBatch([`netns del ${name}`]).catch((err: Error) => {
    if (fs.existsSync(`/run/netns/${name}`)) throw err;
  });
}

/** Names of the named network namespaces. */
export function listNamespaces(): string[] {
  try {
    return fs.readdirSync('/run/netns');
  } catch {
    return [];
  }
}

/** Every IPv4 route destination on this host (all tables), so new subnets avoid them. */
export async function hostRouteSubnets(ignoreDevices: Set<string>): Promise<Subnet[]> {
  const routes = JSON.parse(await runHostCommand('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst: string; dev?: string }[];
  const subnets: Subnet[] = [];
  for (const r of routes) {
    if (r.dst === 'default' || (r.dev && ignoreDevices.has(r.dev))) continue;
    const [addr, len] = r.dst.split('/');
    try {
      const prefix = len === undefined ? 32 : Number(len);
      const network = parseAddress(addr!);
      subnets.push({ network: prefix === 0 ? 0 : ((network >>> (32 - prefix)) << (32 - prefix)) >>> 0, prefix });
    } catch {
      // A route we cannot read (multicast notation and the like) takes no address of ours.
    }
  }
  return subnets;
}
