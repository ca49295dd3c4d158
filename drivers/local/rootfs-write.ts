/**
 * Writing files into an instance's root filesystem from the host before it starts, with
 * the guarantee that nothing is ever written outside that rootfs. The paths come from API
 * users (Nova's personality files, config drive contents), so they are hostile until
 * proven otherwise: `..` is refused outright, and every directory on the way is looked at
 * with lstat and refused when it is a symlink, since a symlink in an image may point
 * anywhere on the host. Each step opens the next component relative to the directory
 * already opened (`/proc/self/fd/<fd>/<name>`, O_NOFOLLOW), so the path is never resolved
 * again from the host's root once checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../engine/errors.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK } = fs.constants;
const maxSymlinkHops = 40;

/** The components of an absolute path inside the instance; throws for anything that could leave the rootfs. */
export function checkInstancePath(file: string): string[] {
  if (typeof file !== 'string' || !file.startsWith('/')) throw new InvalidArgumentError(`injected file path '${file}' must be absolute`);
  if (file.includes('\0')) throw new InvalidArgumentError('injected file path contains a NUL byte');
  if (file.length > 4096) throw new InvalidArgumentError('injected file path is longer than 4096 bytes');
  const parts = file.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new InvalidArgumentError(`injected file path '${file}' contains '..'`);
  if (parts.length === 0) throw new InvalidArgumentError(`injected file path '${file}' names no file`);
  if (parts.some((p) => Buffer.byteLength(p) > 255)) throw new InvalidArgumentError(`injected file path '${file}' has a component longer than 255 bytes`);
  return parts;
}

/**
 * Writes `contents` at `file` inside `rootfs` with `mode`, creating missing directories
 * (0755, root-owned). Throws InvalidArgumentError when the path is hostile, passes through
 * a symlink or a non-directory, or names something that is not a regular file.
 */
export function writeFileInRoot(rootfs: string, file: string, contents: Buffer, mode: number): void {
  const parts = checkInstancePath(file);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new InvalidArgumentError(`invalid mode ${mode} for injected file '${file}'`);
  const dirs = [fs.openSync(rootfs, O_RDONLY | O_DIRECTORY)];
  try {
    for (const name of parts.slice(0, -1)) {
      const here = `/proc/self/fd/${dirs.at(-1)}/${name}`;
      let stat = lstatOrUndefined(here);
      if (!stat) {
        fs.mkdirSync(here, { mode: 0o755 });
        stat = fs.lstatSync(here);
      }
      if (stat.isSymbolicLink()) throw new InvalidArgumentError(`injected file path '${file}' passes through the symlink '${name}'`);
      if (!stat.isDirectory()) throw new InvalidArgumentError(`injected file path '${file}': '${name}' is not a directory`);
      // O_NOFOLLOW: a directory swapped for a symlink since the lstat fails here.
      dirs.push(fs.openSync(here, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    }
    const target = `/proc/self/fd/${dirs.at(-1)}/${parts.at(-1)}`;
    const existing = lstatOrUndefined(target);
    if (existing && !existing.isFile()) throw new InvalidArgumentError(`injected file path '${file}' names an existing ${existing.isSymbolicLink() ? 'symlink' : 'non-regular file'}`);
    let fd: number;
    try {
      fd = fs.openSync(target, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new InvalidArgumentError(`injected file path '${file}' names a symlink`);
      throw err;
    }
    try {
      fs.writeFileSync(fd, contents);
      // The mode given to open is filtered by the umask; the caller's mode is the one meant.
      fs.fchmodSync(fd, mode);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    for (const fd of dirs) fs.closeSync(fd);
  }
}

/**
 * Whether `file` exists in `rootfs` as the instance would see it: symlinks are followed as
 * if `rootfs` were `/` (an absolute target restarts at the rootfs, `..` stops at it), so a
 * link such as /bin/sh → /usr/bin/dash is judged by the image, never by the host.
 */
export function existsInRoot(rootfs: string, file: string): boolean {
  const dirs = [path.resolve(rootfs)];
  const pending = file.split('/').filter((p) => p !== '' && p !== '.');
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      if (dirs.length > 1) dirs.pop();
      continue;
    }
    const here = path.join(dirs.at(-1)!, name);
    const stat = lstatOrUndefined(here);
    if (!stat) return false;
    if (stat.isSymbolicLink()) {
      if (++hops > maxSymlinkHops) return false;
      const target = fs.readlinkSync(here);
      if (target.startsWith('/')) dirs.splice(1);
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    if (pending.length === 0) return true;
    if (!stat.isDirectory()) return false;
    dirs.push(here);
  }
  return true;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
