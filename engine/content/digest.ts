/** Digest strings ('sha256:<64 hex>'): the only algorithm the store accepts. */
import crypto from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** Throws InvalidArgumentError unless `digest` is a well-formed sha256 digest. */
export function assertDigest(digest: string, what = 'digest'): void {
  if (!digestPattern.test(digest)) throw new InvalidArgumentError(`${what} '${digest}' is not a sha256 digest`);
}

/** True for a well-formed sha256 digest. */
export function isDigest(value: string): boolean {
  return digestPattern.test(value);
}

/** The hex part of a digest. */
export function digestHex(digest: string): string {
  return digest.slice('sha256:'.length);
}

/** sha256 digest of bytes. */
export function digestOf(data: Buffer | string): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}
