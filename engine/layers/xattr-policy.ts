/**
 * Which extended attributes an image layer may carry. `user.*` is data any process may set;
 * `security.capability` is file capabilities, which images rely on (ping, newuidmap) and
 * which the container's own bounding set still limits, as Docker allows. Everything else is
 * refused: `trusted.*` would let a layer forge overlayfs metadata (opaque dirs, redirects),
 * and the other `security.*` attributes (SELinux, IMA, EVM) are the host's to set, not an
 * image's.
 */
import { InvalidArgumentError } from '../errors.js';

/** True when a layer may carry the attribute `name`. */
export function isLayerXattr(name: string): boolean {
  return name.startsWith('user.') || name === 'security.capability';
}

/** Refuses the first attribute a layer may not carry, naming it. */
export function checkLayerXattrs(xattrs: Record<string, Buffer>): void {
  for (const name of Object.keys(xattrs)) {
    if (!isLayerXattr(name)) {
      throw new InvalidArgumentError(`xattr '${name}' is not allowed in a layer (only user.* and security.capability are)`);
    }
  }
}
