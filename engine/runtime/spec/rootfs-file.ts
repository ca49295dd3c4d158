/**
 * Reading a file of a container's root filesystem from the host, the way the container
 * would see it, without ever leaving the rootfs. Symlinks are followed as if `rootfs` were
 * `/` (an absolute target restarts at the rootfs, `..` stops at it), and every step opens
 * the next component relative to the directory already opened, through
 * `/proc/self/fd/<fd>/<name>` with O_NOFOLLOW. A process inside a running container that
 * swaps a directory for a symlink between our checks therefore gets an error, never a host
 * file: the path is never resolved again from the host's root.
 */
import fs from 'node:fs';
import { InvalidArgumentError } from '../../errors.js';

const maxSymlinkHops = 40;
// libuv adds O_CLOEXEC to every open, so no descriptor here leaks into a spawned runc.
const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/**
 * Reads `file` (a path inside the container, e.g. `/etc/passwd`) from `rootfs`. Returns
 * undefined when it does not exist, is not a regular file, or resolving it would loop.
 * Throws when it is larger than `maxBytes`, so a hostile image cannot exhaust memory.
 */
export function readFileInRoot(rootfs: string, file: string, maxBytes = 4 * 1024 * 1024): string | undefined {
  const dirs = [fs.openSync(rootfs, O_RDONLY | O_DIRECTORY)];
  try {
    const pending = file.split('/').filter((p) => p !== '');
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        if (dirs.length > 1) fs.closeSync(dirs.pop()!);
        continue;
      }
      const here = `/proc/self/fd/${dirs.at(-1)}/${name}`;
      const stat = lstatOrUndefined(here);
      if (!stat) return undefined;
      if (stat.isSymbolicLink()) {
        if (++hops > maxSymlinkHops) return undefined;
        const target = fs.readlinkSync(here);
        if (target.startsWith('/')) while (dirs.length > 1) fs.closeSync(dirs.pop()!);
        pending.unshift(...target.split('/').filter((p) => p !== ''));
        continue;
      }
      if (pending.length > 0) {
        if (!stat.isDirectory()) return undefined;
        const fd = openOrUndefined(here, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd === undefined) return undefined;
        dirs.push(fd);
        continue;
      }
      return readRegular(here, file, maxBytes);
    }
    return undefined;
  } finally {
    for (const fd of dirs) fs.closeSync(fd);
  }
}

function readRegular(procPath: string, file: string, maxBytes: number): string | undefined {
  // O_NONBLOCK: a FIFO planted as /etc/passwd must not hang the engine on open.
  const fd = openOrUndefined(procPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd === undefined) return undefined;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return undefined;
    if (stat.size > maxBytes) throw new InvalidArgumentError(`${file} in the image is larger than ${maxBytes} bytes`);
    const buffer = Buffer.alloc(stat.size);
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (isLookupFailure(err)) return undefined;
    throw err;
  }
}

function openOrUndefined(p: string, flags: number): number | undefined {
  try {
    return fs.openSync(p, flags);
  } catch (err) {
    // ELOOP: the component became a symlink after we looked at it.
    if (isLookupFailure(err)) return undefined;
    throw err;
  }
}

function isLookupFailure(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENXIO';
}
