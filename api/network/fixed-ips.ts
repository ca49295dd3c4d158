/**
 * Neutron's IPAM for tenant subnets: a port gets its fixed IP when it is created (the one
 * asked for in `fixed_ips`, or the first free one), as in Neutron, and the driver is told
 * to give the interface exactly that address. Taken are the subnet's first address (the
 * gateway, on the bridge), its last (broadcast), every port's fixed IP on the network, and
 * every engine endpoint on the network's bridge (a container attached outside Neutron).
 * Refusals are Neutron's typed faults (InvalidIpForSubnet, IpAddressAlreadyAllocated, ...).
 */
import type { NetworkService } from '../../engine/network/network-service.js';
import { formatAddress, lastAddress, parseAddress, parseSubnet } from '../../engine/network/subnet.js';
import { ApiError } from '../http/api-error.js';
import type { NeutronStore, PortRow, SubnetRow } from './neutron-store.js';

/** A fault with Neutron's exception name as its `type` (the SDK and clients show it). */
export class NeutronFault extends ApiError {
  constructor(status: number, readonly type: string, message: string) {
    super(status, message);
  }
}

/** One entry of a port body's `fixed_ips`. */
export interface FixedIpRequest {
  subnet_id?: string;
  ip_address?: string;
}

export class FixedIps {
  constructor(private readonly store: NeutronStore, private readonly engine: NetworkService) {}

  /**
   * The address a new port on `subnet` gets: the one `fixed_ips` asks for, checked, or the
   * first free one. `fixed_ips` may name only this network's subnet and at most one address
   * (one IPv4 subnet per network here).
   */
  choose(subnet: SubnetRow, fixedIps: unknown): string {
    const wanted = this.requested(subnet, fixedIps);
    if (wanted !== undefined) {
      this.check(subnet, wanted);
      return wanted;
    }
    return this.firstFree(subnet);
  }

  /** The address `fixed_ips` asks for on `subnet`, if any; refuses another network's subnet. */
  requested(subnet: SubnetRow, fixedIps: unknown): string | undefined {
    if (fixedIps === undefined || fixedIps === null) return undefined;
    if (!Array.isArray(fixedIps)) throw new NeutronFault(400, 'InvalidInput', `Invalid input for fixed_ips. Reason: '${JSON.stringify(fixedIps)}' is not a list.`);
    const entries = fixedIps as FixedIpRequest[];
    for (const f of entries) {
      if (f === null || typeof f !== 'object') throw new NeutronFault(400, 'InvalidInput', 'Invalid input for fixed_ips. Reason: each entry must be an object.');
      if (f.subnet_id !== undefined && f.subnet_id !== subnet.id) {
        throw new NeutronFault(400, 'InvalidInput', `Invalid input for operation: Failed to create port on network ${subnet.network_id}, because fixed_ips included invalid subnet ${f.subnet_id}.`);
      }
    }
    const addresses = entries.filter((f) => f.ip_address !== undefined).map((f) => String(f.ip_address));
    if (addresses.length > 1) throw new NeutronFault(400, 'InvalidInput', 'Invalid input for operation: only one fixed IP per port is supported on this cloud (one IPv4 subnet per network).');
    return addresses[0];
  }

  /** Refuses an address that is not a host address of `subnet` (400) or is taken (409). */
  check(subnet: SubnetRow, address: string): void {
    const cidr = parseSubnet(subnet.cidr);
    let a: number;
    try { a = parseAddress(address); } catch { throw new NeutronFault(400, 'InvalidInput', `Invalid input for ip_address. Reason: '${address}' is not a valid IP address.`); }
    if (a <= cidr.network || a >= lastAddress(cidr)) throw new NeutronFault(400, 'InvalidIpForSubnet', `IP address ${address} is not a valid IP for the specified subnet.`);
    if (this.taken(subnet).has(a)) throw new NeutronFault(409, 'IpAddressAlreadyAllocated', `IP address ${address} already allocated in subnet ${subnet.id}`);
  }

  /** The port holding `address` on the subnet's network, if one does. */
  holder(subnet: SubnetRow, address: string): PortRow | undefined {
    return this.store.portsOf({ networkId: subnet.network_id }).find((p) => p.fixed_ip === address);
  }

  private firstFree(subnet: SubnetRow): string {
    const cidr = parseSubnet(subnet.cidr);
    const taken = this.taken(subnet);
    for (let a = cidr.network + 1; a < lastAddress(cidr); a++) if (!taken.has(a)) return formatAddress(a);
    throw new NeutronFault(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${subnet.network_id}.`);
  }

  private taken(subnet: SubnetRow): Set<number> {
    const taken = new Set<number>([parseAddress(subnet.gateway_ip)]);
    for (const p of this.store.portsOf({ networkId: subnet.network_id })) if (p.fixed_ip !== null) taken.add(parseAddress(p.fixed_ip));
    if (subnet.engine_network) {
      try {
        for (const e of this.engine.store.endpointsOf(this.engine.get(subnet.engine_network).id)) taken.add(parseAddress(e.address));
      } catch {
        // the engine network is gone (a crash between removing it and the row): no endpoints
      }
    }
    return taken;
  }
}
