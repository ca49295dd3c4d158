/**
 * Blob uploads in progress (POST, PATCH..., PUT ?digest=). Each lives in a file under the
 * content store's ingest directory, named `<pid>-upload-<uuid>` so that the engine's
 * start-up recovery removes it if this process dies; the running sha256 is kept in memory,
 * so the final PUT knows whether the claimed digest is right before anything is stored.
 * Only a verified blob moves into the content store (through its own verifying ingest).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, ContentStore } from '../../engine/content/index.js';
import { RegistryError } from './registry-errors.js';

/** One upload in progress. */
export interface UploadSession {
  uuid: string;
  repository: string;
  file: string;
  /** Bytes received so far. */
  size: number;
  hash: crypto.Hash;
  lastActive: number;
  busy: boolean;
}

/** Uploads left untouched this long are dropped when the next one starts. */
const idleLimitMs = 60 * 60 * 1000;

/** The uploads of one server process. */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Starts an empty upload into `repository`. */
  start(repository: string): UploadSession {
    this.dropIdle();
    const uuid = crypto.randomUUID();
    const file = path.join(this.dir, `${process.pid}-upload-${uuid}`);
    fs.writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
    const session: UploadSession = { uuid, repository, file, size: 0, hash: crypto.createHash('sha256'), lastActive: Date.now(), busy: false };
    this.sessions.set(uuid, session);
    return session;
  }

  /** The upload `uuid` of `repository`; BLOB_UPLOAD_UNKNOWN otherwise. */
  get(repository: string, uuid: string): UploadSession {
    const session = this.sessions.get(uuid);
    if (!session || session.repository !== repository) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `blob upload '${uuid}' unknown to repository '${repository}'`);
    return session;
  }

  /**
   * Appends `source` to the upload. With `start` (from Content-Range) the chunk must begin
   * where the upload ends. A chunk that fails half-way ends the upload: its file and hash
   * could no longer be trusted to agree.
   */
  async append(session: UploadSession, source: NodeJS.ReadableStream, start?: number): Promise<void> {
    if (session.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${session.uuid}' already has a request in progress`);
    if (start !== undefined && start !== session.size) {
      throw new RegistryError('RANGE_INVALID', `chunk starts at ${start}, the upload has ${session.size} bytes`, { size: session.size });
    }
    session.busy = true;
    try {
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          session.hash.update(chunk);
          session.size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(source, hashing, fs.createWriteStream(session.file, { flags: 'a' }));
    } catch (err) {
      this.cancel(session);
      throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${session.uuid}' failed: ${(err as Error).message}`);
    } finally {
      session.busy = false;
      session.lastActive = Date.now();
    }
  }

  /**
   * Completes the upload as blob `digest`: DIGEST_INVALID (and the upload gone, nothing
   * stored) when the bytes hash to anything else; otherwise the content store ingests it.
   */
  async finish(session: UploadSession, digest: string, content: ContentStore, hold: (digest: string) => void): Promise<BlobInfo> {
    if (session.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${session.uuid}' already has a request in progress`);
    const actual = `sha256:${session.hash.copy().digest('hex')}`;
    if (actual !== digest) {
      this.cancel(session);
      throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest}`, { digest });
    }
    session.busy = true;
    try {
      return await content.write(fs.createReadStream(session.file, { highWaterMark: 1024 * 1024 }), { digest, size: session.size, hold });
    } finally {
      this.cancel(session);
    }
  }

  /** Ends an upload and removes its file; resolves if it is already gone. */
  cancel(session: UploadSession): void {
    this.sessions.delete(session.uuid);
    fs.rmSync(session.file, { force: true });
  }

  /** Ends every upload (server shutdown). */
  close(): void {
    for (const session of [...this.sessions.values()]) this.cancel(session);
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) if (!session.busy && now - session.lastActive > idleLimitMs) this.cancel(session);
  }
}
