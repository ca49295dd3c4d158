/**
 * Creates one archive entry under the layer root. Every path is checked against the
 * LayerTree first; the final component is then created fresh (O_EXCL, O_NOFOLLOW, mknod,
 * symlink, link), never opened if it exists, so nothing an earlier entry made can redirect a
 * write. Ownership and mode of files are set through the open descriptor, never by path.
 */
import fs from 'node:fs';
import type { LayerLimits } from '../config.js';
import { InvalidArgumentError, hasErrno } from '../errors.js';
import { sys } from '../sys/index.js';
import { baseOf, normaliseEntryPath, parentOf } from './entry-path.js';
import { isDirectory, type DirectoryNode, type LayerTree } from './layer-tree.js';
import type { TarEntry, TarHeader } from './tar-reader.js';
import { opaqueValue, opaqueXattr, whiteoutOf } from './whiteout.js';
import { checkLayerXattrs } from './xattr-policy.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, S_IFCHR, S_IFBLK, S_IFIFO } = fs.constants;
const createFlags = O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY;
/** 2^32 - 1 is chown's "leave unchanged", so it cannot be an owner. */
const maxId = 0xfffffffe;

/** Creates `entry` under `tree`; errors say why without naming the entry (the caller does). */
export async function applyEntry(tree: LayerTree, entry: TarEntry, limits: LayerLimits): Promise<void> {
  const { header } = entry;
  const entryPath = normaliseEntryPath(header.name);
  checkLayerXattrs(header.xattrs);
  if (header.uid > maxId || header.gid > maxId) throw new InvalidArgumentError(`owner ${header.uid}:${header.gid} is out of range`);
  const whiteout = whiteoutOf(baseOf(entryPath));
  if (whiteout !== undefined) {
    const parent = tree.parentFor(entryPath);
    const dirPath = parentOf(entryPath);
    if (whiteout.kind === 'opaque') sys.lsetxattr(tree.absolute(dirPath), opaqueXattr, opaqueValue);
    else makeNode(tree, parent, join(dirPath, whiteout.name), S_IFCHR, 0, 0, header, { whiteout: true });
    return;
  }
  if (entryPath === '') {
    if (header.type !== 'directory') throw new InvalidArgumentError(`the layer root can only be a directory, not a ${header.type}`);
    tree.root.metadata = metadataOf(header);
    return;
  }
  const parent = tree.parentFor(entryPath);
  switch (header.type) {
    case 'directory':
      return makeDirectory(tree, parent, entryPath, header);
    case 'file':
      return writeFile(tree, parent, entryPath, entry);
    case 'symlink':
      return makeSymlink(tree, parent, entryPath, header);
    case 'link':
      return makeHardlink(tree, parent, entryPath, header);
    case 'fifo':
      return makeNode(tree, parent, entryPath, S_IFIFO, 0, 0, header, { whiteout: false });
    case 'character-device':
    case 'block-device': {
      const whiteoutDevice = header.type === 'character-device' && header.devmajor === 0 && header.devminor === 0;
      if (!whiteoutDevice && !limits.allowDevices) {
        throw new InvalidArgumentError(`${header.type} ${header.devmajor}:${header.devminor} is not allowed (device nodes are off for this import)`);
      }
      const type = header.type === 'character-device' ? S_IFCHR : S_IFBLK;
      return makeNode(tree, parent, entryPath, type, header.devmajor, header.devminor, header, { whiteout: false });
    }
  }
}

function join(dirPath: string, name: string): string {
  return dirPath === '' ? name : `${dirPath}/${name}`;
}

function metadataOf(header: TarHeader): { mode: number; uid: number; gid: number; mtime: number; xattrs: Record<string, Buffer> } {
  return { mode: header.mode, uid: header.uid, gid: header.gid, mtime: header.mtime, xattrs: header.xattrs };
}

/** A directory entry for an existing directory only updates its metadata, as tar does. */
function makeDirectory(tree: LayerTree, parent: DirectoryNode, entryPath: string, header: TarHeader): void {
  const name = baseOf(entryPath);
  const existing = parent.children.get(name);
  if (isDirectory(existing)) {
    existing.metadata = metadataOf(header);
    return;
  }
  tree.remove(parent, name, entryPath);
  fs.mkdirSync(tree.absolute(entryPath), 0o700);
  parent.children.set(name, { children: new Map(), metadata: metadataOf(header) });
}

async function writeFile(tree: LayerTree, parent: DirectoryNode, entryPath: string, entry: TarEntry): Promise<void> {
  const { header } = entry;
  const name = baseOf(entryPath);
  tree.remove(parent, name, entryPath);
  const target = tree.absolute(entryPath);
  const fd = fs.openSync(target, createFlags, 0o600);
  // Recorded before the body is written, so a failure part way is cleaned up with the rest.
  parent.children.set(name, 'file');
  try {
    for await (const chunk of entry.body) {
      for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at, chunk.length - at);
    }
    // chown clears setuid/setgid and file capabilities, so it goes first and the xattrs last.
    fs.fchownSync(fd, header.uid, header.gid);
    fs.fchmodSync(fd, header.mode);
    setXattrs(target, header.xattrs, false);
    fs.futimesSync(fd, header.mtime, header.mtime);
  } finally {
    fs.closeSync(fd);
  }
}

function makeSymlink(tree: LayerTree, parent: DirectoryNode, entryPath: string, header: TarHeader): void {
  if (header.linkname === '') throw new InvalidArgumentError('symlink has an empty target');
  if (header.linkname.includes('\0')) throw new InvalidArgumentError('symlink target contains a NUL byte');
  const name = baseOf(entryPath);
  tree.remove(parent, name, entryPath);
  const target = tree.absolute(entryPath);
  // The target is stored, never resolved here: it means something only inside the container.
  fs.symlinkSync(header.linkname, target);
  parent.children.set(name, 'symlink');
  fs.lchownSync(target, header.uid, header.gid);
  setXattrs(target, header.xattrs, true);
  fs.lutimesSync(target, header.mtime, header.mtime);
}

/**
 * A hardlink may only name a regular file this archive made, reached through directories
 * only: that rules out links to anything outside, through symlinks, or to the symlinks and
 * directories whose later chmod would land outside. The link shares the file's inode, so
 * the entry's own metadata is not applied (as GNU tar does not).
 */
function makeHardlink(tree: LayerTree, parent: DirectoryNode, entryPath: string, header: TarHeader): void {
  let linkPath: string;
  try {
    linkPath = normaliseEntryPath(header.linkname);
  } catch (err) {
    throw new InvalidArgumentError(`hardlink target '${header.linkname}': ${(err as Error).message}`, { cause: err });
  }
  if (tree.find(linkPath) !== 'file') {
    throw new InvalidArgumentError(`hardlink target '${header.linkname}' is not a regular file earlier in this layer`);
  }
  // A link to itself is already satisfied; removing the name first would lose the file.
  if (linkPath === entryPath) return;
  const name = baseOf(entryPath);
  tree.remove(parent, name, entryPath);
  fs.linkSync(tree.absolute(linkPath), tree.absolute(entryPath));
  parent.children.set(name, 'file');
}

/** Makes a device node, a FIFO, or a whiteout (a 0/0 device with mode 0, as overlayfs makes them). */
function makeNode(tree: LayerTree, parent: DirectoryNode, entryPath: string, type: number, major: number, minor: number, header: TarHeader, options: { whiteout: boolean }): void {
  const name = baseOf(entryPath);
  tree.remove(parent, name, entryPath);
  const target = tree.absolute(entryPath);
  sys.mknod(target, type, major, minor);
  parent.children.set(name, 'other');
  fs.lchownSync(target, header.uid, header.gid);
  if (!options.whiteout) {
    // By path, but safely: the node was just made here, and chmod only ever follows symlinks.
    fs.chmodSync(target, header.mode);
    setXattrs(target, header.xattrs, false);
  }
  fs.lutimesSync(target, header.mtime, header.mtime);
}

/** Sets xattrs on a node this archive made (l*xattr never follows the last component). */
export function setXattrs(target: string, xattrs: Record<string, Buffer> | undefined, symlink: boolean): void {
  for (const [name, value] of Object.entries(xattrs ?? {})) {
    try {
      sys.lsetxattr(target, name, value);
    } catch (err) {
      // The kernel allows no user.* xattrs on symlinks; Docker drops them the same way.
      if (symlink && hasErrno(err, 'EPERM')) continue;
      throw err;
    }
  }
}
