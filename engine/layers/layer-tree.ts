/**
 * What one archive has created so far under the target directory. The target starts empty
 * and nothing else writes to it while the layer is unpacked, so this record is the whole
 * truth about the tree: the unpacker decides whether a path is safe from it alone, with no
 * lstat walk, and refuses any path whose parent is something other than a directory the
 * archive made (in particular a symlink, whatever it points at).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** Ownership, permissions, times and xattrs of a directory, applied after the last entry. */
export interface DirectoryMetadata {
  mode: number;
  uid: number;
  gid: number;
  /** Left as the filesystem set it when undefined (directories tar creates implicitly). */
  mtime?: number;
  xattrs?: Record<string, Buffer>;
}

/** A directory the archive made; its metadata is applied at the end, so later entries do not disturb it. */
export interface DirectoryNode {
  children: Map<string, TreeNode>;
  metadata: DirectoryMetadata;
}

/** A non-directory entry: a regular file, a symlink, or a device, FIFO or whiteout. */
export type LeafKind = 'file' | 'symlink' | 'other';

/** A node of the record: a directory, or the kind of a leaf. */
export type TreeNode = DirectoryNode | LeafKind;

/** Parents that tar creates because an entry needs them: root-owned, 0755, as GNU tar makes them. */
const implicitDirectory: DirectoryMetadata = { mode: 0o755, uid: 0, gid: 0 };

/** True when `node` is a directory. */
export function isDirectory(node: TreeNode | undefined): node is DirectoryNode {
  return typeof node === 'object';
}

/** The record of one unpack into `rootDir`. */
export class LayerTree {
  readonly root: DirectoryNode = { children: new Map(), metadata: { ...implicitDirectory } };

  constructor(readonly rootDir: string) {}

  /** The absolute path of a canonical entry path. */
  absolute(entryPath: string): string {
    return entryPath === '' ? this.rootDir : path.join(this.rootDir, entryPath);
  }

  /**
   * The directory that holds `entryPath`, creating missing ancestors as directories. Refuses
   * when an ancestor is a symlink or any other non-directory this archive made.
   */
  parentFor(entryPath: string): DirectoryNode {
    let node = this.root;
    let at = 0;
    for (let slash = entryPath.indexOf('/'); slash !== -1; slash = entryPath.indexOf('/', at)) {
      const name = entryPath.slice(at, slash);
      let next = node.children.get(name);
      if (next === undefined) {
        fs.mkdirSync(this.absolute(entryPath.slice(0, slash)), 0o700);
        next = { children: new Map(), metadata: { ...implicitDirectory } };
        node.children.set(name, next);
      } else if (!isDirectory(next)) {
        const ancestor = entryPath.slice(0, slash);
        throw new InvalidArgumentError(next === 'symlink' ? `path goes through the symlink '${ancestor}'` : `parent '${ancestor}' is not a directory`);
      }
      node = next;
      at = slash + 1;
    }
    return node;
  }

  /**
   * What the archive made at `entryPath`, found without creating anything; undefined when
   * nothing is there or the path passes through anything but a directory.
   */
  find(entryPath: string): TreeNode | undefined {
    if (entryPath === '') return this.root;
    let node: TreeNode | undefined = this.root;
    for (const name of entryPath.split('/')) {
      if (!isDirectory(node)) return undefined;
      node = node.children.get(name);
    }
    return node;
  }

  /**
   * Removes what the archive made at `name` in `parent` (a whole subtree for a directory),
   * so that a later entry of the same name replaces it, as tar does. The subtree leaves the
   * record too, so nothing under a replaced directory can be reached through its old name.
   */
  remove(parent: DirectoryNode, name: string, entryPath: string): void {
    const node = parent.children.get(name);
    if (node === undefined) return;
    // The parents are directories this archive made, and rm does not follow symlinks inside.
    if (isDirectory(node)) fs.rmSync(this.absolute(entryPath), { recursive: true, force: true });
    else fs.unlinkSync(this.absolute(entryPath));
    parent.children.delete(name);
  }

  /** Every directory the record holds, with its path, parents before children. */
  *directories(): Generator<[string, DirectoryNode]> {
    const stack: [string, DirectoryNode][] = [['', this.root]];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      yield next;
      const [dirPath, dir] = next;
      for (const [name, child] of dir.children) {
        if (isDirectory(child)) stack.push([dirPath === '' ? name : `${dirPath}/${name}`, child]);
      }
    }
  }
}
