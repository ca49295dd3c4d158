/**
 * The change list of an overlay upper dir against its lower layers, as `docker diff`
 * prints it: a 0/0 character device is a deletion, anything else is a change when the path
 * is visible in the lower layers and an addition when it is not. Directories that are in
 * the upper only because a child changed count as changed, as Docker reports them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sys } from '../../sys/index.js';
import type { Change } from '../snapshotter.js';

/** Changes in `upper` over `lowers` (top-most first), sorted by path. */
export function overlayDiff(upper: string, lowers: string[]): Change[] {
  const changes: Change[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(upper, rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(upper, child));
      if (isWhiteout(st)) {
        changes.push({ kind: 'D', path: `/${child}` });
        continue;
      }
      changes.push({ kind: visibleBelow(lowers, child) ? 'C' : 'A', path: `/${child}` });
      if (st.isDirectory()) walk(child);
    }
  };
  walk('');
  return changes;
}

/** Whether `rel` exists in the merged view of `lowers`, honouring their whiteouts and opaque dirs. */
function visibleBelow(lowers: string[], rel: string): boolean {
  const parts = rel.split('/');
  for (const lower of lowers) {
    const st = lstatOrUndefined(path.join(lower, rel));
    if (st) return !isWhiteout(st);
    // An opaque or whited-out ancestor in this layer hides everything further down.
    for (let i = 1; i < parts.length; i++) {
      const ancestor = path.join(lower, ...parts.slice(0, i));
      const ast = lstatOrUndefined(ancestor);
      if (!ast) break;
      if (isWhiteout(ast) || (ast.isDirectory() && sys.lgetxattr(ancestor, 'trusted.overlay.opaque')?.toString() === 'y')) return false;
    }
  }
  return false;
}

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}
