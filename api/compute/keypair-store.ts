/**
 * Keypairs: per user, as in Nova. Imported keys are checked to be OpenSSH public keys;
 * generated ones are RSA 2048 and the private half is returned once, never stored.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { CloudDatabase } from '../http/cloud-database.js';

export interface Keypair { id: number; userId: string; name: string; publicKey: string; fingerprint: string; type: string; createdAt: Date }
interface Row { id: number; user_id: string; name: string; public_key: string; fingerprint: string; type: string; created_at: number }

const toKeypair = (r: Row): Keypair => ({ id: r.id, userId: r.user_id, name: r.name, publicKey: r.public_key, fingerprint: r.fingerprint, type: r.type, createdAt: new Date(r.created_at) });

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** An SSH mpint: big-endian, with a leading zero when the top bit is set. */
function sshMpint(data: Buffer): Buffer {
  return sshString(data[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), data]) : data);
}

/** Nova's fingerprint: MD5 of the key blob, colon-separated hex. */
function fingerprintOf(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const blob = Buffer.from(parts[1] ?? '', 'base64');
  const known = ['ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-dss'];
  if (parts.length < 2 || !known.includes(parts[0]!) || blob.length < 16) throw new InvalidArgumentError('Keypair data is invalid: failed to generate fingerprint');
  const nameLength = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + nameLength).toString() !== parts[0]) throw new InvalidArgumentError('Keypair data is invalid: failed to generate fingerprint');
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

function generateRsa(comment: string): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url'))]);
  return { publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
}

export class KeypairStore {
  constructor(private readonly db: CloudDatabase) {}

  create(userId: string, name: string, publicKey?: string): { keypair: Keypair; privateKey?: string } {
    if (!/^[a-zA-Z0-9 _.@-]{1,255}$/.test(name) || name.trim() !== name) throw new InvalidArgumentError('Keypair data is invalid: Keypair name contains unsafe characters');
    let privateKey: string | undefined;
    if (publicKey === undefined) ({ publicKey, privateKey } = generateRsa(`Generated-by-Intermodal`));
    const fingerprint = fingerprintOf(publicKey);
    try {
      this.db.prepare('INSERT INTO keypairs (user_id, name, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)').run(userId, name, publicKey.trim(), fingerprint, Date.now());
    } catch (err) {
      if (String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) throw new AlreadyExistsError(`Key pair '${name}' already exists.`);
      throw err;
    }
    return { keypair: this.get(userId, name), ...(privateKey !== undefined && { privateKey }) };
  }

  get(userId: string, name: string): Keypair {
    const row = this.db.prepare('SELECT * FROM keypairs WHERE user_id = ? AND name = ?').get(userId, name) as Row | undefined;
    if (!row) throw new NotFoundError(`Keypair ${name} not found for user ${userId}`);
    return toKeypair(row);
  }

  list(userId: string): Keypair[] {
    return (this.db.prepare('SELECT * FROM keypairs WHERE user_id = ? ORDER BY name').all(userId) as Row[]).map(toKeypair);
  }

  count(userId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM keypairs WHERE user_id = ?').get(userId) as { n: number }).n;
  }

  delete(userId: string, name: string): void {
    if (this.db.prepare('DELETE FROM keypairs WHERE user_id = ? AND name = ?').run(userId, name).changes === 0) throw new NotFoundError(`Keypair ${name} not found for user ${userId}`);
  }
}
