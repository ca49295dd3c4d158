/**
 * IPv4 subnets as numbers: parsing a CIDR, the addresses in it, overlap, and picking a free
 * /24 from the private pool. Pure; the store keeps what is allocated.
 */
import { InvalidArgumentError } from '../errors.js';

/** A parsed IPv4 subnet; `network` is the first address as an unsigned 32-bit number. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** Parses a dotted quad; throws InvalidArgumentError for anything else. */
export function parseAddress(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) throw new InvalidArgumentError(`invalid IPv4 address '${text}'`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** The dotted quad of an address number. */
export function formatAddress(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `10.88.1.0/24`; the address must be the subnet's first (no host bits set). */
export function parseSubnet(cidr: string): Subnet {
  const [addr, len, extra] = cidr.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) throw new InvalidArgumentError(`invalid subnet '${cidr}': expected A.B.C.D/PREFIX`);
  const prefix = Number(len);
  // A /31 or /32 has no room for a gateway and a container; below /8 is not a bridge network.
  if (prefix < 8 || prefix > 30) throw new InvalidArgumentError(`invalid subnet '${cidr}': prefix must be between /8 and /30`);
  const network = parseAddress(addr);
  if ((network & mask(prefix)) >>> 0 !== network) throw new InvalidArgumentError(`invalid subnet '${cidr}': host bits are set (did you mean ${formatAddress((network & mask(prefix)) >>> 0)}/${prefix}?)`);
  return { network, prefix };
}

/** `A.B.C.D/P`. */
export function formatSubnet(s: Subnet): string {
  return `${formatAddress(s.network)}/${s.prefix}`;
}

/** The broadcast (last) address of a subnet. */
export function lastAddress(s: Subnet): number {
  return (s.network + 2 ** (32 - s.prefix) - 1) >>> 0;
}

/** True when `address` is inside `s`. */
export function contains(s: Subnet, address: number): boolean {
  return address >= s.network && address <= lastAddress(s);
}

/** True when two subnets share any address. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** True for 10/8, 172.16/12 and 192.168/16: addresses that are never routed on the internet. */
export function isPrivate(s: Subnet): boolean {
  const pools = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseSubnet);
  return pools.some((p) => s.network >= p.network && lastAddress(s) <= lastAddress(p));
}

/**
 * The first /24 in 10.88.0.0/16 .. 10.99.255.0/24 that overlaps none of `taken` (other
 * networks, and every route this host already has). Private and unused, so traffic to it
 * can only ever reach our bridge.
 */
export function pickFreeSubnet(taken: Subnet[]): Subnet {
  const start = parseAddress('10.88.0.0');
  const end = parseAddress('10.99.255.0');
  for (let network = start; network <= end; network += 256) {
    const candidate = { network, prefix: 24 };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  throw new InvalidArgumentError('no free /24 subnet left in 10.88.0.0-10.99.255.0; give one with --subnet');
}

/** The lowest address of `s` that is not the network, the broadcast, or in `used`. */
export function firstFreeAddress(s: Subnet, used: Set<number>): number | undefined {
  for (let a = s.network + 1; a < lastAddress(s); a++) if (!used.has(a)) return a;
  return undefined;
}
