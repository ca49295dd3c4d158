/**
 * Users for `intermodal registry serve` until the registry is served beside Keystone: given
 * on the command line (`--user NAME:PASSWORD`) or in a file of `NAME:PASSWORD[:PROJECT]`
 * lines (keep it mode 0600). Users without a project share the project 'default'.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { InvalidArgumentError } from '../../engine/errors.js';
import type { RegistryAuthenticator } from './registry-auth.js';

interface StaticUser {
  password: Buffer;
  project: string;
}

/** An authenticator over a fixed list of users. */
export class StaticAuthenticator implements RegistryAuthenticator {
  private readonly users = new Map<string, StaticUser>();

  /** Adds `NAME:PASSWORD[:PROJECT]`; InvalidArgumentError for anything else. */
  add(entry: string): void {
    const [name, password, project, ...extra] = entry.split(':');
    if (!name || password === undefined || password === '' || extra.length > 0) throw new InvalidArgumentError(`user entry must be NAME:PASSWORD[:PROJECT], got '${entry.replace(/:.*/, ':...')}'`);
    this.users.set(name, { password: Buffer.from(password), project: project || 'default' });
  }

  /** Adds every non-empty, non-comment line of a users file. */
  addFile(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`users file '${file}' cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    for (const line of text.split('\n')) {
      const entry = line.trim();
      if (entry !== '' && !entry.startsWith('#')) this.add(entry);
    }
  }

  async authenticate(user: string, password: string): Promise<{ subject: string; projects: string[] } | null> {
    const known = this.users.get(user);
    const given = Buffer.from(password);
    // Compared in constant time; an unknown user costs the same compare against itself.
    const expected = known?.password ?? given;
    const same = expected.length === given.length && crypto.timingSafeEqual(expected, given);
    return known && same ? { subject: user, projects: [known.project] } : null;
  }
}
