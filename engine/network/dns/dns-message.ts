/**
 * The little of the DNS wire format (RFC 1035) an authoritative-only server needs: read
 * one question, write an answer of A records or an error code. No compression on reading
 * beyond the question (queries carry none), one pointer to the question when writing.
 */

/** Response codes we send. */
export const Rcode = { noError: 0, formErr: 1, serverFailure: 2, nxDomain: 3, notImplemented: 4, refused: 5 } as const;

/** Record types we look at. */
export const Qtype = { a: 1, aaaa: 28, any: 255 } as const;

/** A parsed query: what was asked and what the reply must echo. */
export interface DnsQuery {
  id: number;
  /** Opcode and RD, kept for the reply. */
  flags: number;
  /** Lower-case, without the trailing dot. */
  name: string;
  qtype: number;
  qclass: number;
  /** The question section's bytes, echoed in the reply. */
  question: Buffer;
}

/** Parses a query; undefined when it is not one we can answer even with an error (too short, a response). */
export function parseQuery(packet: Buffer): DnsQuery | { id: number; flags: number; error: number } | undefined {
  if (packet.length < 12) return undefined;
  const id = packet.readUInt16BE(0);
  const flags = packet.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response: never answer one (no loops)
  if (((flags >> 11) & 0xf) !== 0) return { id, flags, error: Rcode.notImplemented };
  if (packet.readUInt16BE(4) !== 1) return { id, flags, error: Rcode.formErr };
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= packet.length) return { id, flags, error: Rcode.formErr };
    const length = packet[offset]!;
    offset++;
    if (length === 0) break;
    if (length > 63 || offset + length > packet.length) return { id, flags, error: Rcode.formErr };
    labels.push(packet.subarray(offset, offset + length).toString('latin1'));
    offset += length;
  }
  if (offset + 4 > packet.length) return { id, flags, error: Rcode.formErr };
  return { id, flags, name: labels.join('.').toLowerCase(), qtype: packet.readUInt16BE(offset), qclass: packet.readUInt16BE(offset + 2), question: packet.subarray(12, offset + 4) };
}

/**
 * A reply: authoritative, recursion not available, with `addresses` as A records (TTL
 * `ttl` seconds) pointing at the question's name.
 */
export function buildReply(query: { id: number; flags: number; question?: Buffer }, rcode: number, addresses: string[] = [], ttl = 5): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR, the query's opcode and RD, AA; RA stays 0: we never recurse.
  header.writeUInt16BE(0x8000 | (query.flags & 0x7900) | 0x0400 | rcode, 2);
  header.writeUInt16BE(query.question ? 1 : 0, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name at offset 12
    rr.writeUInt16BE(Qtype.a, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.question ?? Buffer.alloc(0), ...answers]);
}

/** A query packet (for tests and probes): one question, RD set. */
export function buildQuery(id: number, name: string, qtype: number = Qtype.a): Buffer {
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...labels, tail]);
}

/** Reads the rcode and A-record addresses of a reply (for tests and probes). */
export function parseReply(packet: Buffer): { id: number; rcode: number; addresses: string[] } {
  const id = packet.readUInt16BE(0);
  const rcode = packet.readUInt16BE(2) & 0xf;
  const qd = packet.readUInt16BE(4);
  const an = packet.readUInt16BE(6);
  let offset = 12;
  const skipName = () => {
    while (offset < packet.length) {
      const len = packet[offset]!;
      if (len === 0) { offset++; return; }
      if ((len & 0xc0) === 0xc0) { offset += 2; return; }
      offset += len + 1;
    }
  };
  for (let i = 0; i < qd; i++) { skipName(); offset += 4; }
  const addresses: string[] = [];
  for (let i = 0; i < an; i++) {
    skipName();
    const type = packet.readUInt16BE(offset);
    const rdlength = packet.readUInt16BE(offset + 8);
    if (type === Qtype.a && rdlength === 4) addresses.push([...packet.subarray(offset + 10, offset + 14)].join('.'));
    offset += 10 + rdlength;
  }
  return { id, rcode, addresses };
}
