/**
 * Where Nova finds the network service of its cloud: the Neutron service registers its
 * server networking here when it is mounted, so the two services need not be built in a
 * particular order and start-cloud.ts wires each with one line.
 */
import type { CloudContext } from '../cloud-server.js';
import type { ServerNetworking } from '../compute/server-networking.js';

const registry = new WeakMap<CloudContext, ServerNetworking>();

export function registerServerNetworking(cloud: CloudContext, networking: ServerNetworking): void {
  registry.set(cloud, networking);
}

export function serverNetworkingOf(cloud: CloudContext): ServerNetworking | undefined {
  return registry.get(cloud);
}
