/**
 * Layer export: the tar of an overlayfs upper directory, which is what `commit` turns into a
 * new image layer. overlayfs records deletions its own way, so they are converted back to
 * OCI whiteouts on the way out (see whiteout.ts); everything else is copied as it is.
 *
 * The output is deterministic for a given tree, so the same container state always yields
 * the same diff ID: directories are walked in name order (of the names written, so a
 * whiteout sorts as `.wh.NAME`), parents before children; mtimes are whole seconds, since
 * sub-second times would need a PAX header on every entry; user and group names are left
 * out, since the host's passwd says nothing about the image's users.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { NotImplementedError } from '../errors.js';
import { sys } from '../sys/index.js';
import { TarWriter, type TarWriteHeader } from './tar-writer.js';
import { opaqueMarker, opaqueValue, opaqueXattr, whiteoutPrefix } from './whiteout.js';
import { isLayerXattr } from './xattr-policy.js';

/** One child of a directory, ready to write. */
interface Item {
  /** The name it sorts by: the whiteout's name for a whiteout. */
  sortName: string;
  absolute: string;
  header: TarWriteHeader;
  isDirectory: boolean;
  opaque: boolean;
  /** dev:ino of a regular file with more than one link. */
  inode?: string;
}

/**
 * The layer tar of an overlayfs upper directory, as a stream: 0/0 character devices become
 * `.wh.NAME` files, opaque directories get a `DIR/.wh..wh..opq` entry, hardlinked files
 * become tar hardlinks, and only user.* and security.capability xattrs are kept (never
 * overlayfs's own trusted.overlay.*). The upper directory must not change while it is read.
 * Errors (a file vanishing; NotImplementedError for an upper that relies on redirect_dir or
 * metacopy) destroy the stream.
 */
export function exportLayer(upperDir: string): Readable {
  const tar = new TarWriter();
  const run = async (): Promise<void> => {
    await exportDirectory(tar, upperDir, '', new Map());
    await tar.finish();
  };
  run().catch((err: Error) => tar.stream.destroy(err));
  return tar.stream;
}

/** Writes the children of `dir` (entry names prefixed by `prefix`), depth first in name order. */
async function exportDirectory(tar: TarWriter, dir: string, prefix: string, firstNames: Map<string, string>): Promise<void> {
  const items: Item[] = [];
  for (const name of fs.readdirSync(dir)) {
    const item = describe(path.join(dir, name), prefix, name);
    if (item) items.push(item);
  }
  items.sort((a, b) => (a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0));
  for (const item of items) {
    const { header } = item;
    // The first name of an inode in walk order carries the body; later names link to it.
    const first = item.inode === undefined ? undefined : firstNames.get(item.inode);
    if (first !== undefined) {
      await tar.add({ ...header, type: 'link', size: 0, linkname: first });
      continue;
    }
    if (item.inode !== undefined) firstNames.set(item.inode, header.name);
    if (header.type === 'file' && (header.size ?? 0) > 0) {
      // O_NOFOLLOW: the walk saw a regular file here; never read through anything else.
      const fd = fs.openSync(item.absolute, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      const body = fs.createReadStream('', { fd, highWaterMark: 64 * 1024 });
      try {
        await tar.add(header, body);
      } finally {
        body.destroy();
      }
    } else {
      await tar.add(header);
    }
    if (!item.isDirectory) continue;
    const dirName = header.name.slice(0, -1);
    if (item.opaque) {
      await tar.add({ name: `${dirName}/${opaqueMarker}`, type: 'file', size: 0, mode: header.mode! & 0o777, uid: header.uid!, gid: header.gid!, mtime: header.mtime! });
    }
    await exportDirectory(tar, item.absolute, `${dirName}/`, firstNames);
  }
}

/** Describes one child, or undefined for what a layer cannot hold (sockets). */
function describe(absolute: string, prefix: string, name: string): Item | undefined {
  const st = fs.lstatSync(absolute);
  const owner = { uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
  const item = (header: TarWriteHeader, extra: Partial<Item> = {}): Item => ({
    sortName: name, absolute, header, isDirectory: false, opaque: false, ...extra,
  });
  if (st.isCharacterDevice() && st.rdev === 0) {
    const whiteout = `${whiteoutPrefix}${name}`;
    return item({ name: `${prefix}${whiteout}`, type: 'file', size: 0, mode: 0o600, ...owner }, { sortName: whiteout });
  }
  if (st.isSocket()) return undefined;
  const header: TarWriteHeader = { name: `${prefix}${name}`, type: 'file', mode: st.mode & 0o7777, ...owner };
  const xattrNames = sys.llistxattr(absolute);
  refuseIndirection(absolute, xattrNames);
  const xattrs = layerXattrs(absolute, xattrNames);
  if (xattrs) header.xattrs = xattrs;
  if (st.isDirectory()) {
    const opaque = xattrNames.includes(opaqueXattr) && sys.lgetxattr(absolute, opaqueXattr)?.equals(opaqueValue) === true;
    return item({ ...header, name: `${header.name}/`, type: 'directory' }, { isDirectory: true, opaque });
  }
  if (st.isFile()) return item({ ...header, size: st.size }, st.nlink > 1 ? { inode: `${st.dev}:${st.ino}` } : {});
  if (st.isSymbolicLink()) return item({ ...header, type: 'symlink', linkname: fs.readlinkSync(absolute) });
  if (st.isFIFO()) return item({ ...header, type: 'fifo' });
  const { major, minor } = deviceNumbers(st.rdev);
  return item({ ...header, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major, devminor: minor });
}

/**
 * With redirect_dir or metacopy on, part of a change lives in a lower layer (a renamed
 * directory's contents, a copied-up file's data), so the upper alone would export a wrong
 * layer. Refuse rather than write one.
 */
function refuseIndirection(absolute: string, xattrNames: string[]): void {
  for (const name of ['trusted.overlay.redirect', 'trusted.overlay.metacopy']) {
    if (xattrNames.includes(name)) {
      throw new NotImplementedError(`cannot export '${absolute}': it has ${name}, and layers cannot be exported from overlayfs mounted with redirect_dir or metacopy`);
    }
  }
}

/** The xattrs a layer may carry (see xattr-policy.ts), read without following symlinks. */
function layerXattrs(absolute: string, xattrNames: string[]): Record<string, Buffer> | undefined {
  let xattrs: Record<string, Buffer> | undefined;
  for (const name of xattrNames) {
    if (!isLayerXattr(name)) continue;
    const value = sys.lgetxattr(absolute, name);
    if (value !== null) (xattrs ??= {})[name] = value;
  }
  return xattrs;
}

/** Linux's dev_t split (glibc's major()/minor()): 12+32 bits of major, 20+12 of minor. */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}
