/**
 * The change list of an overlay upper dir against the layers below it, as `docker diff`
 * prints it. The upper dir holds exactly what the container touched: a 0/0 character
 * device is a deletion; anything else is a change when its path existed in the parent
 * (the merged lower layers) and an addition when it did not. Directories that are in the
 * upper only because something inside them changed count as changed, as Docker reports
 * them. An opaque directory (removed and made again) is a change; what it hides below is
 * not listed one by one.
 */
import fs from 'node:fs';
import { sys } from '../../sys/index.js';
import type { Change } from '../snapshotter.js';

/** Changes in `upper` over `lowers` (top-most first), sorted by path. */
export function overlayDiff(upper: string, lowers: readonly string[]): Change[] {
  const changes: Change[] = [];
  walk(upper, '', lowers, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Visits the upper dir's `rel` directory. `below` are the layers in which `rel` is a
 * directory visible in the parent, top-most first: only they can hold its children, which
 * keeps each lookup to one lstat per layer that matters instead of one per ancestor.
 */
function walk(upper: string, rel: string, below: readonly string[], out: Change[]): void {
  for (const name of fs.readdirSync(upper + (rel || '/'))) {
    const child = `${rel}/${name}`;
    const st = fs.lstatSync(upper + child);
    if (isWhiteout(st)) {
      out.push({ kind: 'D', path: child });
      continue;
    }
    const found = lookBelow(below, child, st.isDirectory());
    out.push({ kind: found.exists ? 'C' : 'A', path: child });
    if (st.isDirectory()) walk(upper, child, found.dirs, out);
  }
}

/**
 * Whether `rel` exists in the parent, and (when `wantDirs`) the layers in which it is a
 * visible directory. The top-most layer that has the path decides: a whiteout there means
 * deleted, a non-directory hides everything further down, and an opaque directory is the
 * last layer whose contents show.
 */
function lookBelow(below: readonly string[], rel: string, wantDirs: boolean): { exists: boolean; dirs: string[] } {
  const dirs: string[] = [];
  for (const layer of below) {
    const st = lstatOrUndefined(layer + rel);
    if (!st) continue;
    if (isWhiteout(st)) break;
    if (!st.isDirectory()) return { exists: true, dirs };
    if (!wantDirs) return { exists: true, dirs };
    dirs.push(layer);
    if (isOpaque(layer + rel)) break;
  }
  return { exists: dirs.length > 0, dirs };
}

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(dir: string): boolean {
  // 'y' only: kernels since 6.7 also write 'x' ("may hold xattr whiteouts"), which is not opaque.
  const value = sys.lgetxattr(dir, 'trusted.overlay.opaque');
  return value !== null && value.length === 1 && value[0] === 0x79;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  // throwIfNoEntry avoids building an Error per miss, the common case across many layers.
  return fs.lstatSync(p, { throwIfNoEntry: false });
}
