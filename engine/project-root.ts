/** The repository root, found from this file's place whether run from source or from dist/. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** Absolute path of the directory holding package.json. */
export const projectRoot: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));
