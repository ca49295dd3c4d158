/**
 * OCI whiteouts and their overlayfs equivalents. An OCI layer says "delete NAME from the
 * layers below" with an empty file `.wh.NAME`, and "hide everything below in DIR" with
 * `DIR/.wh..wh..opq`; overlayfs says the same with a 0/0 character device at NAME and the
 * xattr trusted.overlay.opaque=y on DIR. The unpacker converts one way, export the other.
 */
import { InvalidArgumentError } from '../errors.js';

/** The prefix that marks a whiteout file. */
export const whiteoutPrefix = '.wh.';

/** The name of the file that marks its directory opaque. */
export const opaqueMarker = '.wh..wh..opq';

/** The overlayfs xattr on an opaque directory. */
export const opaqueXattr = 'trusted.overlay.opaque';

/** The value of opaqueXattr that means "opaque" (newer kernels also write 'x' for other purposes). */
export const opaqueValue = Buffer.from('y');

/** What a whiteout entry asks for: an opaque parent, or hiding one sibling name. */
export type Whiteout = { kind: 'opaque' } | { kind: 'hide'; name: string };

/**
 * The whiteout a base name stands for, or undefined for an ordinary name. Malformed
 * whiteouts are refused rather than unpacked as ordinary files: a stray `.wh.` file would
 * be invisible to overlayfs users yet still shadow nothing, which hides a producer's bug.
 */
export function whiteoutOf(base: string): Whiteout | undefined {
  if (!base.startsWith(whiteoutPrefix)) return undefined;
  if (base === opaqueMarker) return { kind: 'opaque' };
  // `.wh..wh.` is reserved by the OCI spec for markers; `.wh..wh..opq` is the only one defined.
  if (base.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) throw new InvalidArgumentError(`unknown whiteout marker '${base}'`);
  const name = base.slice(whiteoutPrefix.length);
  if (name === '' || name === '.' || name === '..') throw new InvalidArgumentError(`whiteout '${base}' names no valid entry`);
  return { kind: 'hide', name };
}
