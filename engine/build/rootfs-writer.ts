/**
 * Writes COPY entries into a mounted root filesystem. Every destination is resolved within
 * the root (scoped-path.ts), so a symlink in the image or one the same COPY just wrote
 * cannot send a write outside it; the final component is always created fresh (an existing
 * file or symlink is unlinked first, then O_EXCL), never opened through.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { CopyEntry } from './copy-sources.js';
import { resolveInRoot } from './scoped-path.js';

/** Who owns what a COPY writes: `--chown` when given, else each entry's own (`keep`) or root. */
export type Ownership = { uid: number; gid: number } | 'keep';

/** Creates the directory `inside` (and its parents, root-owned 0755) in `root`; returns its host path. */
export function makeDirectoryInRoot(root: string, inside: string, owner?: { uid: number; gid: number }): string {
  const parts = inside.split('/').filter((p) => p !== '' && p !== '.');
  let current = '/';
  let host = root;
  for (const part of parts) {
    current = path.posix.join(current, part);
    host = resolveInRoot(root, current);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(host);
    } catch {
      stat = undefined;
    }
    if (stat && !stat.isDirectory()) throw new InvalidArgumentError(`cannot create directory '${current}': a file is in the way`);
    if (!stat) {
      // Recursive: a symlink in the image may point at a path whose parents are missing too.
      // Every existing component was resolved within the root, so only new ones are made.
      fs.mkdirSync(host, { mode: 0o755, recursive: true });
      fs.chmodSync(host, 0o755);
      if (owner) fs.lchownSync(host, owner.uid, owner.gid);
    }
    // A `..` in `inside` is resolved by resolveInRoot and cannot leave the root.
    current = '/' + path.relative(root, host).split(path.sep).join('/');
  }
  return host;
}

/** Writes `entries` below the directory `destDir` (a path inside the root). */
export function writeEntries(root: string, destDir: string, entries: CopyEntry[], owner: Ownership): void {
  makeDirectoryInRoot(root, destDir, owner === 'keep' ? undefined : owner);
  for (const entry of entries) {
    // The destination directory itself keeps its own metadata (`COPY . /` must not chmod /).
    if (entry.target === '' && entry.kind === 'directory') continue;
    const inside = entry.target === '' ? destDir : path.posix.join(destDir, entry.target);
    writeEntry(root, inside, entry, owner);
  }
}

/** Writes one entry at `inside` (the full destination path inside the root). */
export function writeEntry(root: string, inside: string, entry: CopyEntry, owner: Ownership): void {
  const parent = path.posix.dirname(inside);
  const parentHost = makeDirectoryInRoot(root, parent);
  const host = path.join(parentHost, path.posix.basename(inside));
  if (path.relative(root, host).startsWith('..')) throw new InvalidArgumentError(`destination '${inside}' is outside the root filesystem`);
  const uid = owner === 'keep' ? entry.uid : owner.uid;
  const gid = owner === 'keep' ? entry.gid : owner.gid;
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(host);
  } catch {
    existing = undefined;
  }
  if (entry.kind === 'directory') {
    if (existing && !existing.isDirectory()) fs.unlinkSync(host);
    if (!existing || !existing.isDirectory()) fs.mkdirSync(host);
    fs.chmodSync(host, entry.mode);
    fs.lchownSync(host, uid, gid);
    fs.utimesSync(host, entry.mtime, entry.mtime);
    return;
  }
  if (existing?.isDirectory()) throw new InvalidArgumentError(`cannot overwrite directory '${inside}' with a non-directory`);
  if (existing) fs.unlinkSync(host);
  if (entry.kind === 'symlink') {
    fs.symlinkSync(entry.linkTarget!, host);
    fs.lchownSync(host, uid, gid);
    return;
  }
  // COPYFILE_EXCL: open with O_EXCL, which also refuses a symlink planted at the name.
  fs.copyFileSync(entry.source, host, fs.constants.COPYFILE_EXCL);
  const fd = fs.openSync(host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    fs.fchownSync(fd, uid, gid);
    fs.fchmodSync(fd, entry.mode);
    fs.futimesSync(fd, entry.mtime, entry.mtime);
  } finally {
    fs.closeSync(fd);
  }
}
