/**
 * Registry credentials, one entry per registry host, in `DATA_DIR/auth.json` (mode 0600),
 * in the layout Docker's config.json uses for `auths` (`{"auths": {"host": {"auth":
 * base64("user:password")}}}`) so the file reads familiar. Written whole to a temporary
 * file and renamed, so a crash never leaves half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** A user name and its password (or token). */
export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths: Record<string, { auth: string }>;
}

/** The credentials kept in one data dir. */
export class CredentialStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'auth.json');
  }

  /** The credentials stored for `host`, if any. */
  get(host: string): Credentials | undefined {
    const entry = this.read().auths[host];
    if (!entry) return undefined;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }

  /** Stores (or replaces) the credentials for `host`. */
  set(host: string, credentials: Credentials): void {
    if (credentials.username.includes(':')) throw new InvalidArgumentError('a user name must not contain \':\'');
    const doc = this.read();
    doc.auths[host] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
    this.write(doc);
  }

  /** Forgets the credentials for `host`; false when there were none. */
  remove(host: string): boolean {
    const doc = this.read();
    if (!(host in doc.auths)) return false;
    delete doc.auths[host];
    this.write(doc);
    return true;
  }

  private read(): AuthFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return { auths: {} };
    }
    try {
      const doc = JSON.parse(text) as Partial<AuthFile>;
      return { auths: typeof doc.auths === 'object' && doc.auths !== null ? doc.auths : {} };
    } catch (err) {
      throw new InvalidArgumentError(`${this.file} is not JSON`, { cause: err });
    }
  }

  private write(doc: AuthFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    // Created 0600 from the start: the secret is never readable by others, even briefly.
    fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, this.file);
  }
}
