/**
 * The project's networks on a Docker host. Each network an instance is given (an engine
 * network of this cloud: a Neutron network's subnet) becomes one bridge network on the
 * daemon, `intermodal-<engine network name>`, with the same subnet and gateway, labelled
 * ours, made on first use and removed with its last instance. The instance's interface
 * gets the port's fixed IP (IPAMConfig), so the address the API reports is the one the
 * container has on that host; instances of one network on one host reach each other there.
 *
 * The bridge is made with `com.docker.network.bridge.inhibit_ipv4`: the host side gets no
 * address in the subnet. The same subnet exists on this machine's bridge (and may on other
 * hosts), so a host-side address would add a second route to it and could draw this
 * machine's traffic for the network away from its own bridge; without it the docker
 * network is a plain segment shared by its instances, nothing else.
 *
 * LIMITATIONS: a network spanning hosts is one segment per host (no overlay: instances on
 * different hosts do not reach each other); no gateway on the docker host, so no DNS from
 * our embedded server, no metadata route, no outbound NAT, no floating IP and no security
 * group reach an instance there (Docker's own embedded DNS answers names within the docker
 * network); with API v1.41 only the first interface gets the port's MAC.
 */
import type { Engine } from '../../engine/engine.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { NetworkRecord } from '../../engine/network/network.js';
import { NetworkService } from '../../engine/network/network-service.js';
import { contains, parseAddress, parseSubnet } from '../../engine/network/subnet.js';
import type { SpawnNetwork } from '../compute-driver.js';
import { InstanceLabels } from '../local/instance-labels.js';
import type { DockerApi } from './docker-api.js';

/** Prefix of the daemon's network names made by this driver. */
export const dockerNetworkPrefix = 'intermodal-';

/** Label on our daemon networks: the engine network they mirror. */
const engineNetworkLabel = 'org.intermodal.engine-network';

/** One interface of an instance on the daemon. */
export interface DockerAttachment {
  /** The daemon's network name. */
  name: string;
  /** The fixed IP; the daemon's IPAM picks one when absent. */
  address?: string;
  mac?: string;
  aliases: string[];
}

interface DockerNetwork {
  Name: string;
  Labels: Record<string, string> | null;
  IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null };
  Containers?: Record<string, unknown> | null;
}

/** The daemon network name for an engine network. */
export const dockerNetworkName = (network: NetworkRecord): string => `${dockerNetworkPrefix}${network.name}`;

/** The engine network name a daemon network of ours stands for; undefined for any other. */
export const engineNetworkOf = (dockerName: string): string | undefined => (dockerName.startsWith(dockerNetworkPrefix) ? dockerName.slice(dockerNetworkPrefix.length) : undefined);

/** Resolves the requested interfaces against this cloud's networks; changes nothing. InvalidArgumentError for an unknown network or an address outside it. */
export function resolveAttachments(engine: Engine, networks: SpawnNetwork[] | undefined): Array<{ network: NetworkRecord; attachment: DockerAttachment }> {
  if (!networks || networks.length === 0) return [];
  const service = new NetworkService(engine.db, engine.config.dataDir);
  return networks.map((n) => {
    let network: NetworkRecord;
    try {
      network = service.get(n.network);
    } catch (err) {
      throw new InvalidArgumentError(`network '${n.network}' of the instance is not a network of this cloud`, { cause: err });
    }
    if (n.address !== undefined && !inSubnet(network, n.address)) throw new InvalidArgumentError(`address '${n.address}' is not an IPv4 address of network '${network.name}' (${network.subnet})`);
    if (n.mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(n.mac)) throw new InvalidArgumentError(`invalid MAC address '${n.mac}'`);
    return { network, attachment: { name: dockerNetworkName(network), ...(n.address !== undefined && { address: n.address }), ...(n.mac !== undefined && { mac: n.mac.toLowerCase() }), aliases: n.aliases ?? [] } };
  });
}

/** Makes the daemon network for each engine network unless it exists (as ours, with the same subnet). */
export async function ensureDockerNetworks(api: DockerApi, networks: NetworkRecord[], timeoutMs: number): Promise<void> {
  for (const network of networks) {
    const name = dockerNetworkName(network);
    let found = await inspect(api, name, timeoutMs);
    if (!found) {
      try {
        await api.json('POST', '/networks/create', {
          timeoutMs,
          body: {
            Name: name, Driver: 'bridge', CheckDuplicate: true, Internal: network.internal,
            IPAM: { Driver: 'default', Config: [{ Subnet: network.subnet, Gateway: network.gateway }] },
            Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true', 'com.docker.network.driver.mtu': String(network.mtu) },
            Labels: { [InstanceLabels.driver]: 'docker', [engineNetworkLabel]: network.id },
          },
        });
        // Made just now as asked: ours, with this subnet (CheckDuplicate refuses a name in use).
        continue;
      } catch (err) {
        // Another spawn made it meanwhile: fine if it is the same one (checked below).
        if (!(err instanceof FailedPreconditionError)) throw err;
      }
      found = await inspect(api, name, timeoutMs);
      if (!found) throw new NotFoundError(`docker network '${name}' vanished while it was made`);
    }
    const subnet = found.IPAM.Config?.[0]?.Subnet;
    if (found.Labels?.[engineNetworkLabel] !== network.id || subnet !== network.subnet) {
      throw new FailedPreconditionError(`docker network '${name}' on the host is not this cloud's network ${network.name} (${network.subnet}): it has subnet ${subnet ?? 'none'}`);
    }
  }
}

/** Removes those of the named daemon networks that are ours and have no container left; a network still in use stays. */
export async function pruneDockerNetworks(api: DockerApi, names: string[], timeoutMs: number): Promise<void> {
  for (const name of new Set(names)) {
    if (engineNetworkOf(name) === undefined) continue;
    const found = await inspect(api, name, timeoutMs).catch(() => undefined);
    if (!found || found.Labels?.[engineNetworkLabel] === undefined || Object.keys(found.Containers ?? {}).length > 0) continue;
    // A spawn racing us may have just joined it: the daemon refuses then, and that is fine.
    await api.json('DELETE', `/networks/${encodeURIComponent(name)}`, { timeoutMs }).catch(() => undefined);
  }
}

function inSubnet(network: NetworkRecord, address: string): boolean {
  try {
    return contains(parseSubnet(network.subnet), parseAddress(address));
  } catch {
    return false;
  }
}

async function inspect(api: DockerApi, name: string, timeoutMs: number): Promise<DockerNetwork | undefined> {
  try {
    return await api.json<DockerNetwork>('GET', `/networks/${encodeURIComponent(name)}`, { timeoutMs });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
