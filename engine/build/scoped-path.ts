/**
 * Paths inside a root directory (a build context, or a mounted root filesystem) resolved as
 * if the root were `/`: an absolute symlink target restarts at the root and `..` stops at
 * it, so no lookup ever leaves the root. This is how COPY reads its sources and writes its
 * destinations; while it runs nothing else writes to the root (no step container is
 * running), so the result stays valid for the writes that follow.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

const maxHops = 40;

/**
 * The host path of `inside` (a '/'-separated path under `root`) with every symlink resolved
 * within `root`. The final component is followed too unless `followLast` is false. Missing
 * components are kept as written (the caller creates them).
 */
export function resolveInRoot(root: string, inside: string, followLast = true): string {
  const pending = inside.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      done.pop();
      continue;
    }
    const here = path.join(root, ...done, name);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(here);
    } catch {
      stat = undefined;
    }
    if (stat?.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++hops > maxHops) throw new InvalidArgumentError(`too many levels of symbolic links in '${inside}'`);
      const target = fs.readlinkSync(here);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    done.push(name);
  }
  return path.join(root, ...done);
}

/** Whether a relative source path climbs out of its root (`../x`, `a/../../x`). */
export function escapesRoot(relative: string): boolean {
  const normalized = path.posix.normalize(relative.replace(/^\/+/, ''));
  return normalized === '..' || normalized.startsWith('../');
}
