/**
 * A streaming tar writer: entries go in through `add`, archive bytes come out of `stream`
 * at the pace its reader sets. Output is ustar with PAX extensions only where needed (see
 * tar-header-encode.ts), the format GNU tar, Go's archive/tar (docker, skopeo, umoci) and
 * libarchive all read.
 */
import { Readable } from 'node:stream';
import { FailedPreconditionError, InvalidArgumentError } from '../errors.js';
import { encodeHeader, type TarWriteHeader } from './tar-header-encode.js';
import { BLOCK_SIZE, paddingOf } from './tar-format.js';

export type { TarWriteHeader } from './tar-header-encode.js';

const zeroBlocks = Buffer.alloc(2 * BLOCK_SIZE);

/** Writes a tar archive to a Readable, one entry at a time. */
export class TarWriter {
  /** The archive bytes as a Node Readable; pipe it somewhere. Backpressure is honoured. */
  readonly stream: Readable;
  private resume: (() => void) | undefined;
  /** Entries are written strictly in call order, even when callers do not await `add`. */
  private queue: Promise<void> = Promise.resolve();
  private finished = false;

  constructor() {
    this.stream = new Readable({ highWaterMark: 64 * 1024, read: () => this.wake() });
    // A reader that goes away must not leave `add` waiting for demand that never comes.
    this.stream.once('close', () => this.wake());
  }

  /**
   * Appends an entry; the body's total length must equal header.size (error otherwise).
   * Resolves once the entry has been accepted by the stream. A body of the wrong length
   * fails the whole archive (the stream is destroyed), since its header is already out.
   */
  add(header: TarWriteHeader, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    return this.enqueue(() => this.write(header, body));
  }

  /** Writes the two end blocks and ends the stream. */
  finish(): Promise<void> {
    return this.enqueue(async () => {
      await this.push(zeroBlocks);
      this.finished = true;
      this.stream.push(null);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.finished) throw new FailedPreconditionError('tar archive is already finished');
      return step();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(header: TarWriteHeader, body: Buffer | AsyncIterable<Buffer> | undefined): Promise<void> {
    const size = header.size ?? (Buffer.isBuffer(body) ? body.length : 0);
    if (Buffer.isBuffer(body) && body.length !== size) {
      // Caught before anything is written, so the archive stays usable.
      throw new InvalidArgumentError(`tar entry '${header.name}': body is ${body.length} bytes, header says ${size}`);
    }
    if (body === undefined && size !== 0) throw new InvalidArgumentError(`tar entry '${header.name}': no body for ${size} bytes`);
    await this.push(encodeHeader(header, size));
    if (body === undefined) return;
    if (Buffer.isBuffer(body)) {
      if (body.length > 0) await this.push(body);
    } else {
      let written = 0;
      try {
        for await (const chunk of body) {
          written += chunk.length;
          if (written > size) throw new InvalidArgumentError(`tar entry '${header.name}': body is longer than the ${size} bytes its header says`);
          if (chunk.length > 0) await this.push(chunk);
        }
        if (written !== size) throw new InvalidArgumentError(`tar entry '${header.name}': body is ${written} bytes, header says ${size}`);
      } catch (err) {
        this.stream.destroy(err as Error);
        throw err;
      }
    }
    const padding = paddingOf(size);
    if (padding > 0) await this.push(zeroBlocks.subarray(0, padding));
  }

  /** Pushes bytes, then waits while the stream's buffer is full. */
  private async push(bytes: Buffer): Promise<void> {
    this.checkOpen();
    if (this.stream.push(bytes)) return;
    await new Promise<void>((resolve) => (this.resume = resolve));
    this.checkOpen();
  }

  private checkOpen(): void {
    if (this.stream.destroyed) {
      throw this.stream.errored ?? new FailedPreconditionError('tar stream was closed before the archive was finished');
    }
  }

  private wake(): void {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }
}
