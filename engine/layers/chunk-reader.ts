/**
 * Reads exact byte counts from a stream of chunks of any size, without copying: a request
 * that fits in the current chunk is answered with a view of it, and only a header that
 * straddles two chunks is ever concatenated. Bodies are handed out chunk by chunk.
 */
import { InvalidArgumentError } from '../errors.js';

const empty = Buffer.alloc(0);

/** A cursor over an async stream of Buffers. */
export class ChunkReader {
  private readonly source: AsyncIterator<Buffer>;
  private chunk: Buffer = empty;
  private at = 0;
  private ended = false;
  /** Bytes consumed so far. */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Makes bytes available in `chunk`; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const value: unknown = next.value;
      if (!(value instanceof Uint8Array)) throw new TypeError('tar source must yield Buffers');
      this.chunk = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      this.at = 0;
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or null at the end of the stream. */
  async readUpTo(max: number): Promise<Buffer | null> {
    if (this.at >= this.chunk.length && !(await this.fill())) return null;
    const n = Math.min(max, this.chunk.length - this.at);
    const out = this.chunk.subarray(this.at, this.at + n);
    this.at += n;
    this.position += n;
    return out;
  }

  /**
   * Exactly `n` bytes; null when the stream ends before the first of them. `what` names the
   * data in the error raised when the stream ends part way.
   */
  async readExact(n: number, what: string): Promise<Buffer | null> {
    if (this.chunk.length - this.at >= n) return this.readUpTo(n);
    const start = this.position;
    const parts: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      const part = await this.readUpTo(missing);
      if (part === null) {
        if (missing === n) return null;
        throw new InvalidArgumentError(`tar archive is truncated: ${what} at offset ${start} ends after ${n - missing} of ${n} bytes`);
      }
      parts.push(part);
      missing -= part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Discards exactly `n` bytes; `what` names them in the truncation error. */
  async skip(n: number, what: string): Promise<void> {
    let missing = n;
    while (missing > 0) {
      const part = await this.readUpTo(missing);
      if (part === null) throw new InvalidArgumentError(`tar archive is truncated: ${what} ends ${missing} bytes early`);
      missing -= part.length;
    }
  }

  /** Reads and discards the rest of the stream. */
  async drain(): Promise<void> {
    this.position += this.chunk.length - this.at;
    this.at = this.chunk.length;
    while (await this.fill()) {
      this.position += this.chunk.length;
      this.at = this.chunk.length;
    }
  }

  /** Releases the source when the reader stops before its end. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.source.return?.();
  }
}
