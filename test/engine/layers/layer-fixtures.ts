/**
 * Helpers for the layer tests: archives built in memory, streams cut into awkward chunk
 * sizes, raw header blocks for input our writer would never produce, and a recursive tree
 * listing precise enough to prove that a directory was not touched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sys } from '../../../engine/sys/index.js';
import { TarWriter, type TarWriteHeader } from '../../../engine/layers/tar-writer.js';

/** An entry for `tarOf`: a header and an optional body. */
export type FixtureEntry = [TarWriteHeader, (Buffer | string)?];

/** The bytes of a tar archive holding `entries`, written by our TarWriter. */
export async function tarOf(entries: FixtureEntry[]): Promise<Buffer> {
  const tar = new TarWriter();
  const bytes = collect(tar.stream);
  for (const [header, body] of entries) {
    const buffer = typeof body === 'string' ? Buffer.from(body) : body;
    await tar.add({ ...header, ...(buffer && header.size === undefined && { size: buffer.length }) }, buffer);
  }
  await tar.finish();
  return bytes;
}

/** Everything an async iterable yields, concatenated. */
export async function collect(source: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** `bytes` as a stream of `size`-byte chunks, to exercise every chunk boundary. */
export async function* chunked(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Fields of a hand-made header block; strings are written raw, numbers as octal. */
export interface RawHeader {
  name: string;
  typeflag: string;
  size?: number;
  mode?: number;
  linkname?: string;
  magic?: string;
  /** Raw bytes to put at an offset after the fields, e.g. a base-256 number. */
  patch?: [number, Buffer][];
}

/**
 * One header block built field by field, independently of the code under test, for input
 * our writer refuses or never emits (sparse types, v7 headers, base-256 numbers).
 */
export function rawHeader(h: RawHeader): Buffer {
  const block = Buffer.alloc(512);
  const octal = (at: number, len: number, value: number): void => void block.write(value.toString(8).padStart(len - 1, '0') + '\0', at, len, 'latin1');
  block.write(h.name, 0, 100, 'utf8');
  octal(100, 8, h.mode ?? 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, h.size ?? 0);
  octal(136, 12, 0);
  block.write(h.typeflag, 156, 1, 'latin1');
  block.write(h.linkname ?? '', 157, 100, 'utf8');
  block.write(h.magic ?? 'ustar\x0000', 257, 8, 'latin1');
  for (const [at, bytes] of h.patch ?? []) bytes.copy(block, at);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/** A body padded to whole blocks, for raw archives. */
export function rawBody(body: Buffer | string): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

/** The two zero blocks that end an archive. */
export const endBlocks = Buffer.alloc(1024);

/** sha256 hex of bytes. */
export function sha256(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Options for snapshotTree. */
export interface SnapshotOptions {
  /** Compare mtimes in whole seconds (tar keeps seconds) instead of nanoseconds. */
  seconds?: boolean;
  /** Which xattrs to list; all by default. */
  xattrs?: (name: string) => boolean;
  /** Leave out link counts (overlayfs shares one inode among its whiteouts). */
  noLinkCount?: boolean;
}

/**
 * One line per node under `root` (itself included, as '.'): type, mode, owner, mtime, link
 * count, xattrs, and the content hash, link target or device number. Two equal snapshots
 * mean the trees are the same for every purpose a layer cares about.
 */
export function snapshotTree(root: string, options: SnapshotOptions = {}): string[] {
  const lines: string[] = [];
  const visit = (rel: string): void => {
    const abs = rel === '.' ? root : path.join(root, rel);
    const st = fs.lstatSync(abs, { bigint: true });
    const mode = Number(st.mode);
    const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
    const mtime = options.seconds ? String(st.mtimeNs / 1_000_000_000n) : String(st.mtimeNs);
    const xattrs = sys.llistxattr(abs).filter(options.xattrs ?? (() => true)).sort()
      .map((name) => `${name}=${sys.lgetxattr(abs, name)?.toString('hex')}`).join(',');
    let what = '';
    if (kind === 'file') what = sha256(fs.readFileSync(abs));
    else if (kind === 'symlink') what = `-> ${fs.readlinkSync(abs)}`;
    else if (kind === 'char' || kind === 'block') what = `rdev=${st.rdev}`;
    const links = options.noLinkCount || kind !== 'file' ? '' : ` nlink=${st.nlink}`;
    lines.push(`${rel} ${kind} mode=${(mode & 0o7777).toString(8)} owner=${st.uid}:${st.gid} mtime=${mtime}${links} xattrs=[${xattrs}] ${what}`);
    if (kind === 'dir') for (const name of fs.readdirSync(abs).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
  };
  visit('.');
  return lines;
}
