/**
 * The checksums Glance records for image data (md5 `checksum`, sha512 `os_hash_value`)
 * and its size, computed as the bytes stream past, so no image is ever held in memory.
 */
import crypto from 'node:crypto';
import { QuotaExceededError } from '../../engine/errors.js';

/** Running md5, sha512 and byte count of a stream. */
export class DataDigests {
  private readonly md5 = crypto.createHash('md5');
  private readonly sha512 = crypto.createHash('sha512');
  size = 0;
  /** True once the source has ended. */
  ended = false;

  constructor(private readonly maxBytes = Number.MAX_SAFE_INTEGER) {}

  update(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) throw new QuotaExceededError(`Image exceeds the maximum image size of ${this.maxBytes} bytes.`);
    this.md5.update(chunk);
    this.sha512.update(chunk);
  }

  digest(): { md5: string; sha512: string; size: number } {
    return { md5: this.md5.digest('hex'), sha512: this.sha512.digest('hex'), size: this.size };
  }
}

/**
 * `source` seen through `digests`. A consumer that stops early (an archive reader at the
 * end-of-archive blocks) does not close the source, so `drain` can still hash the rest.
 */
export function digestingSource(source: AsyncIterable<Buffer>, digests: DataDigests): AsyncIterable<Buffer> & { drain(): Promise<void> } {
  const iterator = source[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const result = await iterator.next();
    if (result.done) digests.ended = true;
    else digests.update(Buffer.isBuffer(result.value) ? result.value : Buffer.from(result.value));
    return result;
  };
  return {
    [Symbol.asyncIterator]: () => ({ next, return: async () => ({ done: true, value: undefined }) }),
    async drain() {
      while (!digests.ended) await next();
    },
  };
}
