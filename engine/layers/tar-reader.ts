/**
 * A streaming tar reader for ustar, v7, GNU (long names, base-256 numbers) and PAX archives.
 * Memory stays flat whatever the archive holds: bodies are handed out as views of the input
 * chunks, and only extension headers (bounded) are ever held whole.
 */
import { InvalidArgumentError } from '../errors.js';
import { ChunkReader } from './chunk-reader.js';
import { parsePax, xattrsOf, type PaxRecords } from './pax.js';
import {
  BLOCK_SIZE, Field, Typeflag, checksumOf, dialectOf, entryTypeOf, isHeaderOnly, isZeroBlock, paddingOf, readNumber, readString,
  type TarEntryType, type TarHeader,
} from './tar-format.js';

export type { TarEntryType, TarHeader } from './tar-format.js';

/** One archive entry: its header and a single-use stream of its body bytes. */
export interface TarEntry {
  header: TarHeader;
  /** The body; iterate it before asking for the next entry, or it is skipped. */
  body: AsyncIterable<Buffer>;
}

/** PAX and GNU long-name headers are read whole; Go's archive/tar bounds them the same way. */
const maxExtensionBytes = 1 << 20;

/** What the extension headers before an entry said about it. */
interface Extensions {
  pax?: PaxRecords;
  longName?: string;
  longLink?: string;
}

/** The shared state between the reader and the body stream of the current entry. */
interface BodyState {
  remaining: number;
  current: boolean;
}

/**
 * Yields the entries of the tar archive in `source`, in order; a body not consumed before
 * the next iteration is skipped. The archive ends at two zero blocks (the rest of the
 * source is read and discarded, so a caller hashing the stream sees all of it) or, as Go's
 * archive/tar allows, at the end of the input on a header boundary. Malformed or truncated
 * input raises InvalidArgumentError naming the entry or the byte offset.
 */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const input = new ChunkReader(source);
  const globals: PaxRecords = new Map();
  let ext: Extensions = {};
  let complete = false;
  try {
    for (;;) {
      const offset = input.position;
      const block = await input.readExact(BLOCK_SIZE, 'header');
      if (block === null) {
        if (ext.pax || ext.longName !== undefined || ext.longLink !== undefined) {
          throw new InvalidArgumentError(`tar archive is truncated: an extension header is not followed by its entry at offset ${offset}`);
        }
        break;
      }
      if (isZeroBlock(block)) {
        const second = await input.readExact(BLOCK_SIZE, 'end-of-archive block');
        if (second !== null && !isZeroBlock(second)) {
          throw new InvalidArgumentError(`tar archive: the zero block at offset ${offset} is followed by a header, not a second zero block`);
        }
        break;
      }
      verifyChecksum(block, offset);
      const flag = block[Field.typeflag[0]]!;
      if (isExtension(flag)) {
        await readExtension(input, block, offset, ext, globals);
        continue;
      }
      const header = headerOf(block, ext, globals, offset);
      ext = {};
      const state: BodyState = { remaining: header.size, current: true };
      yield { header, body: bodyOf(input, state, header.name) };
      state.current = false;
      await input.skip(state.remaining + paddingOf(header.size), `the body of '${header.name}'`);
    }
    complete = true;
    await input.drain();
  } finally {
    if (!complete) await input.close();
  }
}

function verifyChecksum(block: Buffer, offset: number): void {
  const stored = readNumber(block, Field.checksum);
  const { unsigned, signed } = checksumOf(block);
  if (stored !== unsigned && stored !== signed) {
    throw new InvalidArgumentError(`tar header at offset ${offset}: checksum mismatch (not a tar archive, or corrupt)`);
  }
}

function isExtension(flag: number): boolean {
  return flag === Typeflag.paxLocal || flag === Typeflag.paxGlobal || flag === Typeflag.gnuLongName || flag === Typeflag.gnuLongLink;
}

/** Reads a PAX or GNU long-name header into `ext` (or `globals` for a PAX global header). */
async function readExtension(input: ChunkReader, block: Buffer, offset: number, ext: Extensions, globals: PaxRecords): Promise<void> {
  const where = `tar extension header at offset ${offset}`;
  const size = readNumber(block, Field.size);
  if (!(size >= 0)) throw new InvalidArgumentError(`${where}: invalid size field`);
  if (size > maxExtensionBytes) throw new InvalidArgumentError(`${where}: ${size} bytes is more than the ${maxExtensionBytes} allowed`);
  const body = size === 0 ? Buffer.alloc(0) : await input.readExact(size, where);
  if (body === null) throw new InvalidArgumentError(`tar archive is truncated: ${where} has no body`);
  await input.skip(paddingOf(size), where);
  switch (block[Field.typeflag[0]]) {
    case Typeflag.paxLocal:
      ext.pax = parsePax(body, where);
      break;
    case Typeflag.paxGlobal:
      // An empty value in a global header removes the keyword from later entries.
      for (const [key, value] of parsePax(body, where)) {
        if (value.length === 0) globals.delete(key);
        else globals.set(key, value);
      }
      break;
    case Typeflag.gnuLongName:
      ext.longName = cString(body);
      break;
    default:
      ext.longLink = cString(body);
  }
}

/** GNU long names are NUL-terminated inside their body. */
function cString(body: Buffer): string {
  const nul = body.indexOf(0);
  return body.toString('utf8', 0, nul === -1 ? body.length : nul);
}

/** Builds an entry's header from its block, the extension headers before it and the global PAX records. */
function headerOf(block: Buffer, ext: Extensions, globals: PaxRecords, offset: number): TarHeader {
  const dialect = dialectOf(block);
  // A keyword in the entry's own PAX header wins; an empty value there means "use the header field".
  const pax = (key: string): string | undefined => {
    const value = ext.pax?.get(key) ?? globals.get(key);
    return value === undefined || value.length === 0 ? undefined : value.toString('utf8');
  };
  let name = pax('path') ?? ext.longName;
  if (name === undefined) {
    name = readString(block, Field.name);
    const prefix = dialect === 'ustar' ? readString(block, Field.prefix) : '';
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const flag = block[Field.typeflag[0]]!;
  let type: TarEntryType | undefined = entryTypeOf(flag);
  if (type === undefined) {
    const shown = flag >= 0x20 && flag < 0x7f ? String.fromCharCode(flag) : `0x${flag.toString(16)}`;
    throw new InvalidArgumentError(`tar entry '${name}': unsupported entry type '${shown}'${flag === 0x53 ? ' (sparse file)' : ''}`);
  }
  // v7 archives mark directories only by the trailing slash.
  if (flag === Typeflag.fileOld && name.endsWith('/')) type = 'directory';
  const hasPax = ext.pax !== undefined || globals.size > 0;
  if (hasPax && [...(ext.pax?.keys() ?? []), ...globals.keys()].some((key) => key.startsWith('GNU.sparse.'))) {
    throw new InvalidArgumentError(`tar entry '${name}': sparse files are not supported`);
  }
  const where = `tar entry '${name}' (header at offset ${offset})`;
  const integer = (field: keyof typeof Field, key: string): number => {
    const text = pax(key);
    const value = text === undefined ? readNumber(block, Field[field]) : /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${where}: invalid ${key}`);
    return value;
  };
  const size = integer('size', 'size');
  const mtimeText = pax('mtime');
  const mtime = mtimeText === undefined ? readNumber(block, Field.mtime) : /^-?[0-9]+(\.[0-9]*)?$/.test(mtimeText) ? Number(mtimeText) : NaN;
  if (!Number.isFinite(mtime)) throw new InvalidArgumentError(`${where}: invalid mtime`);
  const mode = readNumber(block, Field.mode);
  if (Number.isNaN(mode)) throw new InvalidArgumentError(`${where}: invalid mode`);
  const v7 = dialect === 'v7';
  let xattrs: Record<string, Buffer> = {};
  if (hasPax) xattrs = { ...xattrsOf(globals), ...(ext.pax ? xattrsOf(ext.pax) : {}) };
  return {
    name,
    type,
    size: isHeaderOnly(type) ? 0 : size,
    // Some writers put the file-type bits in the mode too; only the permission bits are the mode.
    mode: mode & 0o7777,
    uid: integer('uid', 'uid'),
    gid: integer('gid', 'gid'),
    uname: pax('uname') ?? (v7 ? '' : readString(block, Field.uname)),
    gname: pax('gname') ?? (v7 ? '' : readString(block, Field.gname)),
    mtime,
    linkname: pax('linkpath') ?? ext.longLink ?? readString(block, Field.linkname),
    devmajor: v7 ? 0 : integer('devmajor', 'devmajor'),
    devminor: v7 ? 0 : integer('devminor', 'devminor'),
    xattrs,
  };
}

/** The body stream of the current entry; it refuses to run once the reader has moved on. */
async function* bodyOf(input: ChunkReader, state: BodyState, name: string): AsyncGenerator<Buffer> {
  while (state.remaining > 0) {
    if (!state.current) throw new InvalidArgumentError(`tar entry '${name}': body read after the reader moved to the next entry`);
    const chunk = await input.readUpTo(state.remaining);
    if (chunk === null) throw new InvalidArgumentError(`tar archive is truncated: the body of '${name}' ends ${state.remaining} bytes early`);
    state.remaining -= chunk.length;
    yield chunk;
  }
}
