/**
 * The embedded DNS server of one network: UDP on the gateway address, port 53. It answers
 * A queries for the names of the network's containers (and their aliases) and NXDOMAIN
 * for every other name. It never forwards a query anywhere: no packet leaves the machine
 * on a container's behalf, so containers resolve each other and nothing else.
 */
import dgram from 'node:dgram';
import { Qtype, Rcode, buildReply, parseQuery } from './dns-message.js';

/** Answers a name (lower case) asked by `client` (its address): the addresses, or undefined when the name is unknown. */
export type NameLookup = (name: string, client: string) => string[] | undefined;

/** A running DNS server. */
export class DnsServer {
  private constructor(private readonly socket: dgram.Socket, readonly address: string, readonly port: number) {}

  /** Binds `address:port` (0 picks a free port, for tests) and serves `lookup`. */
  static async listen(address: string, port: number, lookup: NameLookup): Promise<DnsServer> {
    const socket = dgram.createSocket({ type: 'udp4' });
    socket.on('message', (packet, peer) => {
      const reply = answer(packet, lookup, peer.address);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send to a client that went away must not end the server.
    socket.on('error', () => undefined);
    return new DnsServer(socket, address, socket.address().port);
  }

  /** Stops serving. */
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The reply to one packet, or undefined when it deserves none (not a query). */
export function answer(packet: Buffer, lookup: NameLookup, client = ''): Buffer | undefined {
  const query = parseQuery(packet);
  if (!query) return undefined;
  if ('error' in query) return buildReply(query, query.error);
  let addresses: string[] | undefined;
  try {
    addresses = lookup(query.name, client);
  } catch {
    return buildReply(query, Rcode.serverFailure);
  }
  if (addresses === undefined) return buildReply(query, Rcode.nxDomain);
  // A known name asked for another type (AAAA from a dual-stack resolver): NOERROR with
  // no records, so the resolver goes on to use the A answer instead of failing.
  const wantsA = query.qclass === 1 && (query.qtype === Qtype.a || query.qtype === Qtype.any);
  return buildReply(query, Rcode.noError, wantsA ? addresses : []);
}
