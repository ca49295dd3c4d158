/**
 * The glue between the container lifecycle and networking, kept here so that the
 * lifecycle changes by a few lines: turning `--network`/`-p`/`-P` into endpoint requests,
 * and, at start, attaching a container and giving back what its OCI spec needs (the
 * namespace to join, the /etc files to bind-mount).
 */
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { BindMount } from '../runtime/spec/build-spec.js';
import { containerNetworkFiles, writeContainerNetworkFiles } from './container-files.js';
import type { ContainerNetworking, EndpointRequest, NetworkedContainer } from './network.js';
import { parsePublish, publishAll } from './port-spec.js';

/** The run options that ask for networking. */
export interface NetworkOptionValues {
  network?: string[];
  'network-alias'?: string[];
  publish?: string[];
  'publish-all'?: boolean;
}

/** The CLI options `run` and `create` take for networking (parseArgs form). */
export const networkOptionSpec = {
  network: { type: 'string', multiple: true },
  'network-alias': { type: 'string', multiple: true },
  publish: { type: 'string', short: 'p', multiple: true },
  'publish-all': { type: 'boolean', short: 'P' },
} as const;

/**
 * The endpoint requests of a container, or undefined when it asks for no network: then
 * it keeps a namespace of its own with only loopback (also `--network none`). Ports are
 * published on the first network; aliases apply to every network.
 */
export function networkRequests(values: NetworkOptionValues): EndpointRequest[] | undefined {
  const names = values.network ?? [];
  const ports = (values.publish ?? []).flatMap(parsePublish);
  if (names.includes('host')) throw new InvalidArgumentError('--network host is not supported: a container always has its own network namespace');
  if (names.includes('none')) {
    if (names.length > 1 || ports.length > 0 || values['publish-all']) throw new InvalidArgumentError('--network none cannot be combined with other networks or published ports');
    return undefined;
  }
  if (names.length === 0 && ports.length === 0 && !values['publish-all']) return undefined;
  const aliases = values['network-alias'] ?? [];
  return (names.length > 0 ? names : [undefined]).map((network, i) => ({
    ...(network !== undefined && { network }),
    ...(aliases.length > 0 && { aliases }),
    ...(i === 0 && ports.length > 0 && { ports }),
    ...(i === 0 && values['publish-all'] && { publishAll: true }),
  }));
}

/** What a started container's OCI spec gets from its networks. */
export interface NetworkJoin {
  /** The namespace to join instead of a new one; none when the runtime makes it (`complete`). */
  netns?: string;
  /** /etc/hosts, /etc/resolv.conf and /etc/hostname, generated in the container's dir. */
  mounts: BindMount[];
  /**
   * Set for a container in a user namespace: it must get a network namespace of its own
   * user namespace (sysfs cannot be mounted over one owned by the host's), so the runtime
   * makes it and this attaches it, given the created (not yet started) process's pid.
   */
  complete?: (pid: number) => Promise<void>;
  /**
   * Set otherwise: plugs the interfaces into the namespace already made (`netns`) and fills
   * the /etc files in. It needs no process, so the caller runs it while the runtime creates
   * the container, and must await it before the container's process starts.
   */
  plug?: () => Promise<void>;
}

/**
 * Prepares a container about to start for its networks: leftovers of an earlier run are
 * detached first, its namespace is made and its /etc files written to `dir/network/`; the
 * interfaces are plugged by `plug` (or, with `userns`, by `complete`). Undefined (nothing
 * done) when it asks for no network or no networking is configured. On failure, here or in
 * `plug`/`complete`, nothing is left attached.
 */
export async function joinNetworks(
  networking: ContainerNetworking | undefined, container: NetworkedContainer, requests: EndpointRequest[] | undefined, exposedPorts: Record<string, unknown> | undefined, dir: string, userns = false,
): Promise<NetworkJoin | undefined> {
  if (!networking || !requests) return undefined;
  await networking.detach(container.id);
  const resolved = requests.map(({ publishAll: all, ...r }) => (all ? { ...r, ports: [...(r.ports ?? []), ...publishAll(exposedPorts)] } : r));
  const filesDir = path.join(dir, 'network');
  const attach = async (netns: string) => {
    try {
      const { files } = await networking.attach(container, netns, resolved);
      return writeContainerNetworkFiles(filesDir, files);
    } catch (err) {
      await networking.detach(container.id).catch(() => undefined);
      throw err;
    }
  };
  // Requests are checked before anything is made; the files start without addresses and are
  // filled in place once plugged (bind mounts keep the inode).
  networking.check(resolved);
  const paths = writeContainerNetworkFiles(filesDir, containerNetworkFiles(container, []));
  let netns: string | undefined;
  if (!userns) {
    netns = await networking.prepareNamespace(container.id).catch(async (err: unknown) => {
      await networking.detach(container.id).catch(() => undefined);
      throw err;
    });
  }
  return {
    ...(netns !== undefined && { netns }),
    mounts: [
      { type: 'bind', source: paths.hosts, destination: '/etc/hosts', readOnly: false },
      { type: 'bind', source: paths.resolvConf, destination: '/etc/resolv.conf', readOnly: false },
      { type: 'bind', source: paths.hostname, destination: '/etc/hostname', readOnly: false },
    ],
    ...(netns === undefined
      ? { complete: async (pid: number) => void (await attach(`/proc/${pid}/ns/net`)) }
      : { plug: async () => void (await attach(netns)) }),
  };
}

/** The spec input's mounts with the network's added, and the namespace to join. */
export function withNetwork<T extends { mounts: BindMount[] }>(input: T, join: NetworkJoin | undefined): T & { netns?: string } {
  return join ? { ...input, mounts: [...input.mounts, ...join.mounts], ...(join.netns !== undefined && { netns: join.netns }) } : input;
}
