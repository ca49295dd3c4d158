/**
 * Paths into a template document. A path is the list of keys and list indices from the
 * document root to a node; it is how every error names the place it is about
 * (`resources.web.properties.networks[0].port`).
 */

/** One step of a path: a mapping key or a list index. */
export type PathPart = string | number;

/** Keys and indices from the document root to a node. */
export type Path = readonly PathPart[];

/** Renders a path the way Heat users read it: dotted keys, bracketed indices. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out === '' ? '' : '.') + part;
  }
  return out;
}

/** A stable map key for a path (keys may themselves contain dots). */
export function pathKey(path: Path): string {
  return JSON.stringify(path);
}
