/**
 * The tar header block as POSIX ustar lays it out (IEEE Std 1003.1, "ustar Interchange
 * Format"), with the GNU and v7 variations a reader meets in the wild. Shared by the reader
 * and the writer so both agree on every offset; neither of them hard-codes a field position.
 */

/** Tar data comes in 512-byte blocks; headers are one block, bodies are padded to a whole block. */
export const BLOCK_SIZE = 512;

/** The kinds of entry an image layer may hold. */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

/** One entry's metadata, with PAX and GNU extensions already applied. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** Body bytes; 0 for every type but 'file'. */
  size: number;
  /** Permission, setuid, setgid and sticky bits only (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch; fractional when a PAX header said so. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` (and `LIBARCHIVE.xattr.*`) records. */
  xattrs: Record<string, Buffer>;
}

/** Offset and length of each header field. */
export const Field = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** Typeflag bytes: the entry types, plus the extension headers that describe the next entry. */
export const Typeflag = {
  file: 0x30, // '0'
  fileOld: 0x00, // '\0', v7 regular file
  contiguous: 0x37, // '7', a regular file for every practical purpose
  link: 0x31,
  symlink: 0x32,
  characterDevice: 0x33,
  blockDevice: 0x34,
  directory: 0x35,
  fifo: 0x36,
  paxLocal: 0x78, // 'x'
  paxGlobal: 0x67, // 'g'
  gnuLongName: 0x4c, // 'L'
  gnuLongLink: 0x4b, // 'K'
} as const;

const flagOfType: Record<TarEntryType, number> = {
  file: Typeflag.file,
  link: Typeflag.link,
  symlink: Typeflag.symlink,
  'character-device': Typeflag.characterDevice,
  'block-device': Typeflag.blockDevice,
  directory: Typeflag.directory,
  fifo: Typeflag.fifo,
};

/** The typeflag byte the writer uses for `type`. */
export function typeflagOf(type: TarEntryType): number {
  return flagOfType[type];
}

/** The entry type of a typeflag byte, or undefined for extension headers and unsupported kinds. */
export function entryTypeOf(flag: number): TarEntryType | undefined {
  switch (flag) {
    case Typeflag.file:
    case Typeflag.fileOld:
    case Typeflag.contiguous:
      return 'file';
    case Typeflag.link: return 'link';
    case Typeflag.symlink: return 'symlink';
    case Typeflag.characterDevice: return 'character-device';
    case Typeflag.blockDevice: return 'block-device';
    case Typeflag.directory: return 'directory';
    case Typeflag.fifo: return 'fifo';
    default: return undefined;
  }
}

/** True for entry types that never carry body bytes, whatever their size field says (as Go's archive/tar reads them). */
export function isHeaderOnly(type: TarEntryType): boolean {
  return type !== 'file';
}

/** Header dialect, from the magic field: the GNU dialect reuses the prefix area for other fields. */
export type Dialect = 'ustar' | 'gnu' | 'v7';

/** Which dialect wrote `block`. */
export function dialectOf(block: Buffer): Dialect {
  const at = Field.magic[0];
  if (block[at] !== 0x75 || block.toString('latin1', at, at + 5) !== 'ustar') return 'v7';
  return block[at + 5] === 0x20 ? 'gnu' : 'ustar';
}

/**
 * The header checksum: the byte sum of the block with the checksum field read as spaces.
 * Returns the unsigned sum and the signed one, which some historic writers used.
 */
export function checksumOf(block: Buffer): { unsigned: number; signed: number } {
  const [at, len] = Field.checksum;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= at && i < at + len ? 0x20 : block[i]!;
    unsigned += b;
    signed += b < 0x80 ? b : b - 0x100;
  }
  return { unsigned, signed };
}

/** True when every byte of the block is zero (an end-of-archive block). */
export function isZeroBlock(block: Buffer): boolean {
  // Compare eight bytes at a time: end blocks are rare, but every header passes through here.
  for (let i = 0; i < BLOCK_SIZE; i += 8) if (block.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

/**
 * Reads a numeric field: octal digits padded with spaces or NULs, or GNU base-256 when the
 * top bit of the first byte is set (0x80 positive, 0xff negative). NaN when malformed.
 */
export function readNumber(block: Buffer, [at, len]: readonly [number, number]): number {
  const first = block[at]!;
  if (first & 0x80) {
    // Negative values are two's complement: accumulate the inverted bits, then negate.
    const negative = first === 0xff;
    const flip = negative ? 0xff : 0x00;
    let value = negative ? 0 : first & 0x7f;
    for (let i = at + 1; i < at + len; i++) value = value * 256 + (block[i]! ^ flip);
    if (negative) value = -(value + 1);
    return Number.isSafeInteger(value) ? value : NaN;
  }
  let i = at;
  const end = at + len;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0x00 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  // Anything after the terminator must be padding too.
  for (; i < end; i++) if (block[i] !== 0x00 && block[i] !== 0x20) return NaN;
  return digits === 0 ? 0 : value;
}

/** Reads a NUL-terminated (or field-filling) string field as UTF-8. */
export function readString(block: Buffer, [at, len]: readonly [number, number]): string {
  const nul = block.indexOf(0, at);
  const end = nul === -1 || nul > at + len ? at + len : nul;
  return block.toString('utf8', at, end);
}

/** Writes `value` as zero-padded octal with a NUL terminator; false when it does not fit. */
export function writeOctal(block: Buffer, [at, len]: readonly [number, number], value: number): boolean {
  if (!Number.isSafeInteger(value) || value < 0) return false;
  const digits = value.toString(8);
  if (digits.length > len - 1) return false;
  block.write(digits.padStart(len - 1, '0'), at, len - 1, 'latin1');
  block[at + len - 1] = 0;
  return true;
}

/** Writes a non-negative integer as GNU base-256 (for values no octal field can hold). */
export function writeBase256(block: Buffer, [at, len]: readonly [number, number], value: number): void {
  let rest = value;
  for (let i = at + len - 1; i > at; i--) {
    block[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  block[at] = 0x80;
}

/** The zero bytes that pad a body of `size` bytes to a whole block. */
export function paddingOf(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}
