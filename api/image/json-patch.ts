/**
 * Glance's two PATCH dialects, reduced to one list of changes: the SDK sends
 * `application/openstack-images-v2.1-json-patch` (RFC 6902: `{"op","path","value"}`),
 * tempest the older `-v2.0-json-patch` (`{"replace": "/name", "value": ...}`).
 */
import type { ImageChange } from '../../translators/image/index.js';
import { badRequest } from '../http/api-error.js';

export const patchMediaTypes = {
  v21: 'application/openstack-images-v2.1-json-patch',
  v20: 'application/openstack-images-v2.0-json-patch',
} as const;

const ops = new Set(['add', 'replace', 'remove']);

/** Decodes a JSON pointer (`/a~1b` → ['a/b']). */
function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) throw badRequest(`Pointer \`${String(path)}\` does not start with "/".`);
  return path.slice(1).split('/').map((s) => {
    if (/~[^01]|~$/.test(s)) throw badRequest(`Invalid JSON pointer: '${path}'`);
    return s.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

/** The changes of a PATCH body in `mediaType`'s dialect; 400 on anything malformed. */
export function parsePatch(body: unknown, mediaType: string): ImageChange[] {
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw badRequest('Operations must be JSON objects.');
    const entry = item as Record<string, unknown>;
    let op: string;
    let path: unknown;
    if (mediaType === patchMediaTypes.v21) {
      op = String(entry.op);
      path = entry.path;
      if (!ops.has(op)) throw badRequest(`Operation objects must contain exactly one of "add", "remove", "replace" as "op" (got '${op}').`);
    } else {
      const named = [...ops].filter((o) => o in entry);
      if (named.length !== 1) throw badRequest('Operation objects must contain exactly one of "add", "remove", "replace".');
      op = named[0]!;
      path = entry[op];
    }
    const change: ImageChange = { op: op as ImageChange['op'], path: pointer(path) };
    if (op !== 'remove') {
      if (!('value' in entry)) throw badRequest(`Operation "${op}" requires a member named "value".`);
      change.value = entry.value;
    }
    return change;
  });
}
