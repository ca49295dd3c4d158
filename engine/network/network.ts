/**
 * Container networking, the contract. A *network* is a named IPv4 subnet with a Linux
 * bridge on this host (gateway address on the bridge); an *endpoint* is one container's
 * interface on one network: a veth pair whose container end is `eth0` (then `eth1`, ...)
 * inside the container's network namespace, with an address from the network's IPAM,
 * a MAC, a default route via the gateway and published ports.
 *
 * Lifecycle: `attach` before the container's process starts (its network namespace
 * exists, empty), `detach` when it stops or is removed. Nothing routes off this machine
 * unless a network is created `external` (then outbound traffic is masqueraded).
 */

/** A network as recorded. */
export interface NetworkRecord {
  /** 64 hex. */
  id: string;
  name: string;
  /** `10.88.0.0/24`. */
  subnet: string;
  /** The bridge's address, first of the subnet; also the DNS server's address. */
  gateway: string;
  /** The Linux bridge's name on this host. */
  bridge: string;
  /** Outbound traffic leaves the machine, masqueraded behind the host's address. */
  external: boolean;
  /** No default route and no published ports: endpoints reach only each other (and the DNS). */
  internal: boolean;
  mtu: number;
  labels: Record<string, string>;
  createdAt: Date;
}

/** What `network create` is given. */
export interface NetworkOptions {
  /** CIDR; default the first free /24 in 10.88.0.0-10.99.255.0. */
  subnet?: string;
  external?: boolean;
  internal?: boolean;
  /** Default 1500. */
  mtu?: number;
  labels?: Record<string, string>;
}

/** A published port: host `hostIp:hostPort` forwarded to the endpoint's `containerPort`. */
export interface PortMapping {
  protocol: 'tcp' | 'udp';
  /** `0.0.0.0` for every host address (loopback included). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** A port to publish; `hostPort` 0 picks a free one (as `-P` does). */
export type PortRequest = PortMapping;

/** One interface a container asks for. */
export interface EndpointRequest {
  /** Network name or id; the default network `intermodal0` when omitted. */
  network?: string;
  /** More names the network's DNS answers for this container. */
  aliases?: string[];
  ports?: PortRequest[];
  /** A fixed MAC; default 02:42 followed by the address's four bytes (as Docker does). */
  mac?: string;
  /** A chosen IPv4 address in the network's subnet (not its gateway, not in use); default the first free one. */
  address?: string;
  /** `-P`: also publish every port the image exposes, to free host ports (resolved by `joinNetworks`). */
  publishAll?: boolean;
}

/** One container interface as recorded. */
export interface Endpoint {
  id: string;
  networkId: string;
  networkName: string;
  containerId: string;
  containerName: string;
  aliases: string[];
  /** `10.88.0.2`. */
  address: string;
  prefix: number;
  gateway: string;
  mac: string;
  /** The name inside the container: eth0, eth1, ... */
  ifname: string;
  /** The host end of the veth pair. */
  hostVeth: string;
  ports: PortMapping[];
}

/** Files a networked container needs in /etc, generated from its endpoints. */
export interface ContainerNetworkFiles {
  hosts: string;
  resolvConf: string;
  hostname: string;
}

/** The container a networking call is about. */
export interface NetworkedContainer {
  id: string;
  name: string;
  /** Default: the first 12 characters of the id. */
  hostname?: string;
}

/** The hook the container lifecycle calls; see the module comment for when. */
export interface ContainerNetworking {
  /**
   * A network namespace for the container: `/run/netns/<name>`, made once and reused
   * until `detach` (loopback comes up with the first interface). The OCI spec joins it instead of making a new one.
   */
  prepareNamespace(containerId: string): Promise<string>;
  /**
   * Gives the container one interface per request in the namespace at `netns` (a path
   * from `prepareNamespace`, or `/proc/PID/ns/net`). All or nothing: when any request is
   * refused (unknown network, taken host port, full subnet) nothing is left behind.
   */
  attach(container: NetworkedContainer, netns: string, requests: EndpointRequest[]): Promise<{ endpoints: Endpoint[]; files: ContainerNetworkFiles }>;
  /** Throws what `attach` would refuse in `requests` before anything is made (an unknown network, ports on an internal one); changes nothing. */
  check(requests: EndpointRequest[]): void;
  /** Removes every interface, address and published port of the container, and its namespace. Resolves when there is none. */
  detach(containerId: string): Promise<void>;
  /** The container's endpoints (empty when it is not attached). */
  endpoints(containerId: string): Endpoint[];
}
