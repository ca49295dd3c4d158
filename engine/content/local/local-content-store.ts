/**
 * The content store on the local filesystem: `blobs/sha256/<hex>` for committed blobs and
 * `ingest/<pid>-<random>` for writes in progress. The directory is the truth for what
 * exists; no database row is needed to read a blob.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError, hasErrno } from '../../errors.js';
import type { BlobInfo, ContentStore, Expected } from '../content-store.js';
import { assertDigest, digestHex } from '../digest.js';
import { processIsAlive } from '../../process-alive.js';

/** Reads up to this much of a blob into memory at once for `readAll` by default. */
const defaultReadAllLimit = 4 * 1024 * 1024;

/** A ContentStore in a directory. */
export class LocalContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
    fs.mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.ingestDir, { recursive: true, mode: 0o700 });
  }

  /** Filesystem path of a blob (present or not). */
  blobPath(digest: string): string {
    assertDigest(digest);
    return path.join(this.blobDir, digestHex(digest));
  }

  has(digest: string): boolean {
    return fs.existsSync(this.blobPath(digest));
  }

  info(digest: string): BlobInfo {
    try {
      return { digest, size: fs.statSync(this.blobPath(digest)).size };
    } catch (err) {
      if (hasErrno(err, 'ENOENT')) throw new NotFoundError(`blob '${digest}' not found`);
      throw err;
    }
  }

  read(digest: string, range?: { start: number; end?: number }): Readable {
    const file = this.blobPath(digest);
    let fd: number;
    try {
      // Opened now so that a missing blob fails here, not later inside the stream.
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if (hasErrno(err, 'ENOENT')) throw new NotFoundError(`blob '${digest}' not found`);
      throw err;
    }
    return fs.createReadStream('', { fd, start: range?.start, end: range?.end, highWaterMark: 256 * 1024 });
  }

  readAll(digest: string, limit = defaultReadAllLimit): Buffer {
    const { size } = this.info(digest);
    if (size > limit) throw new InvalidArgumentError(`blob '${digest}' is ${size} bytes, over the ${limit}-byte limit`);
    return fs.readFileSync(this.blobPath(digest));
  }

  async write(source: AsyncIterable<Buffer> | Buffer, expected: Expected = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) {
      assertDigest(expected.digest, 'expected digest');
      expected.hold?.(expected.digest);
      if (this.has(expected.digest)) {
        // Already stored and verified once; drain nothing, trust the content address.
        return this.info(expected.digest);
      }
    }
    const ingest = path.join(this.ingestDir, `${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
    const fd = fs.openSync(ingest, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
    const hash = crypto.createHash('sha256');
    let size = 0;
    let fdOpen = true;
    try {
      const chunks = Buffer.isBuffer(source) ? [source] : source;
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        if (expected.size !== undefined && size > expected.size) {
          throw new InvalidArgumentError(`blob is larger than the expected ${expected.size} bytes`);
        }
        writeFully(fd, chunk);
      }
      fs.fdatasyncSync(fd);
      fs.closeSync(fd);
      fdOpen = false;
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected.digest !== undefined && digest !== expected.digest) {
        throw new InvalidArgumentError(`blob digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (expected.size !== undefined && size !== expected.size) {
        throw new InvalidArgumentError(`blob size mismatch for ${digest}: expected ${expected.size} bytes, got ${size}`);
      }
      expected.hold?.(digest);
      // rename() replaces atomically; a concurrent writer of the same digest wrote the same bytes.
      fs.renameSync(ingest, this.blobPath(digest));
      return { digest, size };
    } catch (err) {
      if (fdOpen) fs.closeSync(fd);
      fs.rmSync(ingest, { force: true });
      throw err;
    }
  }

  list(): string[] {
    return fs.readdirSync(this.blobDir).filter((name) => /^[a-f0-9]{64}$/.test(name)).map((hex) => `sha256:${hex}`);
  }

  delete(digest: string): void {
    fs.rmSync(this.blobPath(digest), { force: true });
  }

  cleanupIngests(): string[] {
    const removed: string[] = [];
    for (const name of fs.readdirSync(this.ingestDir)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && processIsAlive(pid)) continue;
      fs.rmSync(path.join(this.ingestDir, name), { force: true });
      removed.push(name);
    }
    return removed;
  }
}

function writeFully(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset);
}
