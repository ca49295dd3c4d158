/**
 * Names for containers started without --name: an adjective and a shipping word, in the
 * spirit of the project's name ("steady_gantry"), plus a number when both are taken.
 */
import crypto from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

const adjectives = ['amber', 'brave', 'calm', 'deft', 'eager', 'fleet', 'gentle', 'hardy', 'keen', 'lucid', 'mellow', 'nimble', 'patient', 'quiet', 'rapid', 'steady', 'tidy', 'upbeat', 'vivid', 'wise'];
const nouns = ['barge', 'berth', 'bollard', 'crane', 'dock', 'ferry', 'gantry', 'harbor', 'hull', 'jetty', 'keel', 'lighter', 'manifest', 'pallet', 'pier', 'quay', 'reefer', 'stevedore', 'tug', 'wharf'];

const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Throws unless `name` is a valid container name (as Docker allows them). */
export function checkContainerName(name: string): void {
  if (!namePattern.test(name)) throw new InvalidArgumentError(`invalid container name '${name}': use letters, digits, '_', '.' and '-', starting with a letter or digit`);
}

/** A free generated name; `taken` says whether a name is in use. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = `${pick(adjectives)}_${pick(nouns)}${attempt < 10 ? '' : attempt}`;
    if (!taken(name)) return name;
  }
  return `ctr_${crypto.randomBytes(6).toString('hex')}`;
}

function pick(words: string[]): string {
  return words[crypto.randomInt(words.length)]!;
}

/** A new 64-hex container id. */
export function newContainerId(): string {
  return crypto.randomBytes(32).toString('hex');
}
