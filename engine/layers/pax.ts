/**
 * PAX extended header records (POSIX pax, "pax Extended Header"): a sequence of
 * `"<length> <keyword>=<value>\n"` where length counts the whole record in bytes, itself
 * included. Values stay Buffers because `SCHILY.xattr.*` values are arbitrary bytes.
 */
import { InvalidArgumentError } from '../errors.js';

/** Keyword → raw value bytes, in the order the records appeared. */
export type PaxRecords = Map<string, Buffer>;

/** Parses the body of an 'x' or 'g' header; `where` names it in errors. */
export function parsePax(body: Buffer, where: string): PaxRecords {
  const records: PaxRecords = new Map();
  let at = 0;
  while (at < body.length) {
    // Some writers pad the header body with NULs after the last record.
    if (body[at] === 0) break;
    const space = body.indexOf(0x20, at);
    if (space === -1 || space - at > 20) throw new InvalidArgumentError(`${where}: malformed PAX record at byte ${at}`);
    const lengthText = body.toString('latin1', at, space);
    const length = /^[0-9]+$/.test(lengthText) ? Number(lengthText) : NaN;
    const end = at + length;
    if (!(length > space - at + 1) || end > body.length || body[end - 1] !== 0x0a) {
      throw new InvalidArgumentError(`${where}: malformed PAX record at byte ${at}`);
    }
    const equals = body.indexOf(0x3d, space + 1);
    if (equals === -1 || equals >= end) throw new InvalidArgumentError(`${where}: PAX record at byte ${at} has no '='`);
    const key = body.toString('utf8', space + 1, equals);
    // Copy: the body may be a view of a large input chunk that should not stay alive.
    records.set(key, Buffer.from(body.subarray(equals + 1, end - 1)));
    at = end;
  }
  return records;
}

/** Encodes records in the given order (the caller fixes the order, so output is deterministic). */
export function encodePax(records: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const keyBytes = Buffer.byteLength(key);
    // The length prefix counts its own digits, so grow it until it is self-consistent.
    const rest = 1 + keyBytes + 1 + value.length + 1;
    let length = rest + 1;
    while (String(length).length + rest !== length) length = String(length).length + rest;
    parts.push(Buffer.from(`${length} ${key}=`), value, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** The xattrs a record set carries: `SCHILY.xattr.NAME` (raw) and libarchive's `LIBARCHIVE.xattr.NAME` (URL-encoded name, base64 value). */
export function xattrsOf(records: PaxRecords): Record<string, Buffer> {
  const xattrs: Record<string, Buffer> = {};
  for (const [key, value] of records) {
    if (key.startsWith('SCHILY.xattr.')) {
      // An empty value is kept: an xattr may legitimately be empty.
      xattrs[key.slice('SCHILY.xattr.'.length)] = value;
    } else if (key.startsWith('LIBARCHIVE.xattr.')) {
      let name: string;
      try {
        name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      } catch {
        throw new InvalidArgumentError(`PAX record '${key}': malformed xattr name`);
      }
      xattrs[name] = Buffer.from(value.toString('latin1'), 'base64');
    }
  }
  return xattrs;
}
