/**
 * Blob uploads in progress (POST, PATCH..., PUT ?digest=). Each session feeds one
 * content-store ingest that stays open across requests: every PATCH streams straight into
 * it, and the final PUT ends it. The store hashes what it writes and, just before making
 * the blob visible, asks us whether the digest is the one the client claimed; a refusal
 * there removes the ingest file, so a wrong digest stores nothing and a right one costs no
 * second copy. The ingest file is the store's own (`ingest/<pid>-...`), so the engine's
 * start-up recovery removes it if this process dies.
 */
import crypto from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, ContentStore } from '../../engine/content/index.js';
import { RegistryError } from './registry-errors.js';

/** One upload in progress. */
export interface UploadSession {
  uuid: string;
  repository: string;
  /** Bytes received so far. */
  size: number;
  lastActive: number;
  busy: boolean;
}

interface OpenUpload extends UploadSession {
  /** Feeds the content store's ingest. */
  sink: PassThrough;
  /** Settles when the ingest ends: stored, refused, or cancelled. */
  stored: Promise<BlobInfo>;
  /** Set by `finish`: what the blob must hash to, and who leases it. */
  claim?: { digest: string; hold: (digest: string) => void };
}

/** Uploads left untouched this long are dropped when the next one starts. */
const idleLimitMs = 60 * 60 * 1000;

/** The uploads of one server process. */
export class UploadSessions {
  private readonly sessions = new Map<string, OpenUpload>();

  constructor(private readonly content: ContentStore) {}

  /** Starts an empty upload into `repository`. */
  start(repository: string): UploadSession {
    this.dropIdle();
    const sink = new PassThrough({ highWaterMark: 1024 * 1024 });
    const session: OpenUpload = { uuid: crypto.randomUUID(), repository, size: 0, lastActive: Date.now(), busy: false, sink, stored: Promise.resolve({ digest: '', size: 0 }) };
    session.stored = this.content.write(sink, {
      hold: (digest) => {
        if (session.claim === undefined) throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${session.uuid}' ended before it was finished`);
        if (digest !== session.claim.digest) throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${digest}, not ${session.claim.digest}`, { digest: session.claim.digest });
        session.claim.hold(digest);
      },
    });
    // Observed here so that a cancelled upload is no unhandled rejection; finish awaits it.
    session.stored.catch(() => undefined);
    this.sessions.set(session.uuid, session);
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
   * where the upload ends. A chunk that fails half-way ends the upload: what reached the
   * store of it is unknown, so nothing after it could be trusted.
   */
  async append(session: UploadSession, source: NodeJS.ReadableStream, start?: number): Promise<void> {
    const open = this.open(session);
    if (open.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${open.uuid}' already has a request in progress`);
    if (start !== undefined && start !== open.size) {
      throw new RegistryError('RANGE_INVALID', `chunk starts at ${start}, the upload has ${open.size} bytes`, { size: open.size });
    }
    open.busy = true;
    try {
      const counting = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          open.size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(source, counting, open.sink, { end: false });
    } catch (err) {
      await this.cancel(open);
      throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${open.uuid}' failed: ${(err as Error).message}`);
    } finally {
      open.busy = false;
      open.lastActive = Date.now();
    }
  }

  /**
   * Completes the upload as blob `digest`: DIGEST_INVALID (and the upload gone, nothing
   * stored) when the bytes hash to anything else. `hold` leases the blob before it shows.
   */
  async finish(session: UploadSession, digest: string, hold: (digest: string) => void): Promise<BlobInfo> {
    const open = this.open(session);
    if (open.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', `blob upload '${open.uuid}' already has a request in progress`);
    open.busy = true;
    open.claim = { digest, hold };
    this.sessions.delete(open.uuid);
    open.sink.end();
    return open.stored;
  }

  /** Ends an upload; its ingest file is gone when this resolves. Resolves if it is already gone. */
  async cancel(session: UploadSession): Promise<void> {
    const open = session as OpenUpload;
    this.sessions.delete(open.uuid);
    if (!open.sink.writableEnded) open.sink.destroy(new Error(`blob upload '${open.uuid}' cancelled`));
    await open.stored.catch(() => undefined);
  }

  /** Ends every upload (server shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => this.cancel(session)));
  }

  private open(session: UploadSession): OpenUpload {
    const open = this.sessions.get(session.uuid);
    if (open === undefined) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', `blob upload '${session.uuid}' is no longer open`);
    return open;
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) if (!session.busy && now - session.lastActive > idleLimitMs) void this.cancel(session);
  }
}
