/**
 * Platforms (`os/architecture[/variant]`) and choosing one image from an index or
 * manifest list: linux on this machine's architecture unless the user names another.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { hostArchitecture } from '../images/image-config.js';
import type { Descriptor, ImageIndex } from '../images/oci-descriptor.js';

/** A platform as an index describes one. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses `linux/arm64` or `linux/arm/v7`; undefined gives this machine's (linux). */
export function parsePlatform(text: string | undefined): Platform {
  if (text === undefined) return { os: 'linux', architecture: hostArchitecture() };
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new InvalidArgumentError(`platform '${text}' is not os/architecture[/variant]`);
  }
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] !== undefined && { variant: parts[2] }) };
}

/** `os/architecture[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The index entry for `platform`; a variant is matched only when asked for. */
export function pickManifest(index: ImageIndex, platform: Platform, what: string): Descriptor {
  const match = index.manifests.find(
    (m) =>
      m.platform?.os === platform.os &&
      m.platform.architecture === platform.architecture &&
      (platform.variant === undefined || m.platform.variant === platform.variant),
  );
  if (!match) {
    const offered = index.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
    throw new NotFoundError(`${what} has no image for ${formatPlatform(platform)} (it has: ${offered || 'none'})`);
  }
  return match;
}
