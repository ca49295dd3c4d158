/**
 * Image references as Docker writes them: `[host[:port]/]path[:tag][@sha256:hex]`.
 * No registry is implied: a name without a host stays as written (`busybox:latest`),
 * since Intermodal has no built-in default registry.
 */
import { InvalidArgumentError } from '../errors.js';
import { isDigest } from '../content/digest.js';

/** A parsed reference. `tag` is filled with 'latest' when neither tag nor digest is given. */
export interface Reference {
  /** Repository name including any registry host: `127.0.0.1:5000/team/app`. */
  name: string;
  tag?: string;
  digest?: string;
}

const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const host = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?';
const namePattern = new RegExp(`^(?:${host}/)?${component}(?:/${component})*$`);
const tagPattern = /^[\w][\w.-]{0,127}$/;

/** Parses a reference; InvalidArgumentError names what is wrong. */
export function parseReference(text: string): Reference {
  if (text.length === 0 || text.length > 4096) throw new InvalidArgumentError(`invalid reference format: '${text}'`);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new InvalidArgumentError(`invalid reference format: digest '${digest}' in '${text}'`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagPattern.test(tag)) throw new InvalidArgumentError(`invalid reference format: tag '${tag}' in '${text}'`);
  }
  if (!namePattern.test(rest) || rest.length > 255) {
    throw new InvalidArgumentError(
      /[A-Z]/.test(rest.split('/').slice(-1)[0] ?? '')
        ? `invalid reference format: repository name '${rest}' must be lowercase`
        : `invalid reference format: '${text}'`,
    );
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { name: rest, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** The reference as stored and shown: `name:tag`, or `name@digest` when it has no tag. */
export function formatReference(ref: Reference): string {
  if (ref.tag !== undefined) return `${ref.name}:${ref.tag}`;
  return `${ref.name}@${ref.digest}`;
}

/** Splits a stored reference back into repository and tag (or digest) for listings. */
export function splitStoredReference(stored: string): { repository: string; tag: string } {
  const at = stored.indexOf('@');
  if (at >= 0) return { repository: stored.slice(0, at), tag: '<none>' };
  const colon = stored.lastIndexOf(':');
  return { repository: stored.slice(0, colon), tag: stored.slice(colon + 1) };
}

/** Where a repository lives: the registry's host[:port] and the repository path inside it. */
export interface RegistryLocation {
  host: string;
  repository: string;
}

/**
 * Splits a repository name into registry host and path, as Docker does: the first
 * component is a host when it has a '.' or a ':' or is 'localhost'. A name without a host
 * goes to `defaultRegistry`; with none configured that is an error, since Intermodal has no
 * built-in registry to fall back on.
 */
export function registryLocation(name: string, defaultRegistry?: string): RegistryLocation {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    return { host: first, repository: name.slice(slash + 1) };
  }
  if (defaultRegistry === undefined || defaultRegistry === '') {
    throw new InvalidArgumentError(`reference '${name}' names no registry host and no default registry is configured`);
  }
  return { host: defaultRegistry, repository: name };
}
