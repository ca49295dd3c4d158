/**
 * Archive entry names, reduced to one canonical relative form before anything touches the
 * filesystem. The rule is deliberately stricter than "resolve and check the prefix": a '..'
 * anywhere is refused, even where it would resolve inside the layer, because no honest
 * image writer emits one and a refused layer is cheaper than a subtle escape.
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * The canonical form of an entry name or hardlink target: no leading './', no empty or '.'
 * components, no trailing '/'. The layer root is ''. Absolute names and names with a '..'
 * component are refused with an InvalidArgumentError saying why (the caller names the entry).
 */
export function normaliseEntryPath(name: string): string {
  if (name.includes('\0')) throw new InvalidArgumentError('name contains a NUL byte');
  if (name.startsWith('/')) throw new InvalidArgumentError('absolute path escapes the layer');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new InvalidArgumentError('path escapes the layer');
    parts.push(part);
  }
  return parts.join('/');
}

/** The parent of a canonical path ('' for top-level names and the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The last component of a canonical path. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
