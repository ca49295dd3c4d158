/**
 * Physical resource names, Heat's way: `<stack>-<resource>-<12 random characters>`, so
 * the real objects behind two stacks, or two replacements of one resource, never clash,
 * and a user can still tell from a server's name which stack made it.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh physical name for `resourceName` in `stackName`, at most `maxLength` characters. */
export function physicalResourceName(stackName: string, resourceName: string, maxLength = 255): string {
  let suffix = '';
  for (let i = 0; i < 12; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  const name = `${stackName}-${resourceName}`;
  // Trim the middle of long names, keeping both ends and the random suffix.
  const room = maxLength - suffix.length - 1;
  const head = name.length <= room ? name : `${name.slice(0, Math.ceil(room / 2) - 1)}-${name.slice(name.length - Math.floor(room / 2))}`;
  return `${head}-${suffix}`;
}
