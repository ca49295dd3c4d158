/**
 * Encodes one entry's header as a ustar block, preceded by a PAX 'x' header when ustar
 * cannot say it: a name or link target too long for the name/prefix split, a number too big
 * for its octal field, a fractional or negative mtime, or extended attributes. The bytes
 * depend only on the input, never on the clock or the process, so archives are reproducible.
 */
import { InvalidArgumentError } from '../errors.js';
import { encodePax } from './pax.js';
import { BLOCK_SIZE, Field, checksumOf, paddingOf, typeflagOf, writeBase256, writeOctal, type TarEntryType } from './tar-format.js';

/** An entry to write; omitted fields take the defaults documented on each. */
export interface TarWriteHeader {
  name: string;
  type: TarEntryType;
  /** Body bytes; only a 'file' has any. Defaults to the body's length when the body is a Buffer, else 0. */
  size?: number;
  /** Permission bits; defaults to 0o755 for directories, 0o777 for symlinks, 0o644 otherwise. */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch; defaults to 0 so that output does not depend on the clock. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
}

const defaultMode: Record<TarEntryType, number> = {
  file: 0o644, link: 0o644, symlink: 0o777, 'character-device': 0o644, 'block-device': 0o644, directory: 0o755, fifo: 0o644,
};

/** The header bytes (PAX header included when needed) of an entry whose body is `size` bytes. */
export function encodeHeader(h: TarWriteHeader, size: number): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  const records: [string, Buffer][] = [];
  const text = (key: string, value: string): void => void records.push([key, Buffer.from(value)]);
  const where = `tar entry '${h.name}'`;
  for (const [field, value] of [['name', h.name], ['linkname', h.linkname], ['uname', h.uname], ['gname', h.gname]] as const) {
    if (value?.includes('\0')) throw new InvalidArgumentError(`${where}: ${field} contains a NUL byte`);
  }
  if (h.name === '') throw new InvalidArgumentError('tar entry with an empty name');

  if (!writeName(block, h.name)) text('path', h.name);
  const linkname = h.linkname ?? '';
  if (!writeField(block, Field.linkname, linkname)) text('linkpath', linkname);
  if (h.type !== 'file' && size !== 0) throw new InvalidArgumentError(`${where}: a ${h.type} has no body, but size is ${size}`);
  if (!writeOctal(block, Field.size, size)) {
    checkInteger(size, 'size', where);
    text('size', String(size));
    writeOctal(block, Field.size, 0);
  }
  const mode = h.mode ?? defaultMode[h.type];
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new InvalidArgumentError(`${where}: mode ${mode} is not within 0o7777`);
  writeOctal(block, Field.mode, mode);
  for (const key of ['uid', 'gid'] as const) {
    const value = h[key] ?? 0;
    if (!writeOctal(block, Field[key], value)) {
      checkInteger(value, key, where);
      text(key, String(value));
      writeOctal(block, Field[key], 0);
    }
  }
  const mtime = h.mtime ?? 0;
  if (!Number.isFinite(mtime)) throw new InvalidArgumentError(`${where}: invalid mtime ${mtime}`);
  if (!writeOctal(block, Field.mtime, mtime)) {
    text('mtime', paxTime(mtime));
    // Readers that ignore PAX get the whole seconds, or 0 when even those do not fit.
    if (!writeOctal(block, Field.mtime, Math.floor(mtime))) writeOctal(block, Field.mtime, 0);
  }
  block[Field.typeflag[0]] = typeflagOf(h.type);
  block.write('ustar\x0000', Field.magic[0], 8, 'latin1');
  if (!writeField(block, Field.uname, h.uname ?? '')) text('uname', h.uname!);
  if (!writeField(block, Field.gname, h.gname ?? '')) text('gname', h.gname!);
  for (const key of ['devmajor', 'devminor'] as const) {
    const value = h[key] ?? 0;
    checkInteger(value, key, where);
    // Device numbers have no PAX keyword; GNU base-256 is what every reader accepts instead.
    if (!writeOctal(block, Field[key], value)) writeBase256(block, Field[key], value);
  }
  // Sorted, so the same attributes always give the same bytes.
  for (const name of Object.keys(h.xattrs ?? {}).sort()) {
    if (name === '' || name.includes('\0') || name.includes('=')) throw new InvalidArgumentError(`${where}: invalid xattr name '${name}'`);
    records.push([`SCHILY.xattr.${name}`, h.xattrs![name]!]);
  }
  seal(block);
  if (records.length === 0) return block;
  return Buffer.concat([paxHeaderFor(h.name, encodePax(records)), block]);
}

/** The 'x' header block and body carrying `body` for the entry `name`. */
function paxHeaderFor(name: string, body: Buffer): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  const base = name.replace(/\/+$/, '').split('/').pop() || 'entry';
  // A reader that ignores PAX sees a plain file; name it after the entry but out of its way.
  writeField(block, Field.name, truncateBytes(`PaxHeaders/${base}`, 100));
  writeOctal(block, Field.mode, 0o644);
  writeOctal(block, Field.uid, 0);
  writeOctal(block, Field.gid, 0);
  writeOctal(block, Field.size, body.length);
  writeOctal(block, Field.mtime, 0);
  block[Field.typeflag[0]] = 0x78;
  block.write('ustar\x0000', Field.magic[0], 8, 'latin1');
  writeOctal(block, Field.devmajor, 0);
  writeOctal(block, Field.devminor, 0);
  seal(block);
  return Buffer.concat([block, body, Buffer.alloc(paddingOf(body.length))]);
}

/** Writes the name into name, or prefix + name split at a '/'; false when neither fits. */
function writeName(block: Buffer, name: string): boolean {
  const bytes = Buffer.from(name);
  if (bytes.length <= 100) {
    bytes.copy(block, Field.name[0]);
    return true;
  }
  // The split slash belongs to neither part; the name part must not be empty.
  for (let at = Math.max(1, bytes.length - 101); at <= 155 && at < bytes.length - 1; at++) {
    if (bytes[at] !== 0x2f) continue;
    bytes.copy(block, Field.prefix[0], 0, at);
    bytes.copy(block, Field.name[0], at + 1);
    return true;
  }
  bytes.copy(block, Field.name[0], 0, 100);
  return false;
}

/** Writes a string field; false (after writing a truncated copy) when it does not fit. */
function writeField(block: Buffer, [at, len]: readonly [number, number], value: string): boolean {
  const bytes = Buffer.from(value);
  bytes.copy(block, at, 0, Math.min(len, bytes.length));
  return bytes.length <= len;
}

function truncateBytes(value: string, max: number): string {
  const bytes = Buffer.from(value);
  return bytes.length <= max ? value : bytes.subarray(0, max).toString('utf8').replace(/\uFFFD+$/, '');
}

function checkInteger(value: number, what: string, where: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${where}: invalid ${what} ${value}`);
}

/** A PAX time: decimal seconds, with a fraction only when there is one. */
function paxTime(seconds: number): string {
  if (Number.isInteger(seconds)) return String(seconds);
  // Nine digits is nanoseconds, the finest any filesystem keeps; trailing zeros say nothing.
  const fixed = seconds.toFixed(9).replace(/0+$/, '');
  return fixed.endsWith('.') ? fixed.slice(0, -1) : fixed;
}

/** Fills in the checksum field: six octal digits, NUL, space (as every tar writes it). */
function seal(block: Buffer): void {
  const { unsigned } = checksumOf(block);
  block.write(unsigned.toString(8).padStart(6, '0') + '\0 ', Field.checksum[0], 8, 'latin1');
}
