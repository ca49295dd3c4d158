/**
 * One blob download read by two consumers at once, so that a layer is unpacked while it
 * arrives instead of after: the content store leads (its reading pulls the download, and it
 * verifies digest and size before keeping the blob) and the layer unpacker follows. The
 * follower may fall behind by a bounded number of bytes, after which the download waits
 * for it; once it stops reading (finished, failed, or never needed) the leader runs alone.
 * The follower sees exactly the leader's bytes, so whatever the store verifies is what was
 * unpacked; a download that fails or stops early fails the follower too.
 */

/** How far the unpacker may lag behind the download before the download waits. */
const defaultMaxBuffered = 8 * 1024 * 1024;

/** Splits `source` between a leading and a following reader. */
export class BlobTee {
  private queue: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private detached = false;
  private wakeFollower: (() => void) | undefined;
  private wakeLeader: (() => void) | undefined;
  /** True once the leader has read the source to its end. */
  drained = false;

  /** True when the download failed or stopped early, so the follower fails with it. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  constructor(
    private readonly source: AsyncIterable<Buffer>,
    private readonly maxBuffered = defaultMaxBuffered,
  ) {}

  /** The bytes for the content store; iterating it pulls the download. Iterate once. */
  async *leader(): AsyncGenerator<Buffer> {
    let completed = false;
    try {
      for await (const chunk of this.source) {
        if (!this.detached) {
          this.queue.push(chunk);
          this.buffered += chunk.length;
          this.wake();
          while (!this.detached && this.buffered > this.maxBuffered) await new Promise<void>((resolve) => (this.wakeLeader = resolve));
        }
        yield chunk;
      }
      completed = true;
      this.drained = true;
      this.ended = true;
      this.wake();
    } catch (err) {
      this.fail(err);
      throw err;
    } finally {
      if (!completed) this.fail(new Error('the download stopped before the end of the blob'));
    }
  }

  /** The same bytes for the unpacker, in the same order. Iterate once. */
  async *follower(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.failure) throw this.failure.error;
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          this.buffered -= chunk.length;
          this.wake();
          yield chunk;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wakeFollower = resolve));
      }
    } finally {
      this.detach();
    }
  }

  /**
   * Called once the leader's consumer is done with it. A leader that was never read to its
   * end (the store already had the blob and read nothing) cannot feed the follower, which
   * then fails rather than wait for bytes that will not come.
   */
  leaderDone(): void {
    if (!this.drained) this.fail(new Error('the blob was not read to its end'));
  }

  /** The follower stops reading: its bytes are no longer kept, and the leader no longer waits. */
  detach(): void {
    this.detached = true;
    this.queue = [];
    this.buffered = 0;
    this.wake();
  }

  private fail(error: unknown): void {
    if (this.failure || this.ended) return;
    this.failure = { error };
    this.wake();
  }

  private wake(): void {
    const follower = this.wakeFollower;
    const leader = this.wakeLeader;
    this.wakeFollower = undefined;
    this.wakeLeader = undefined;
    follower?.();
    leader?.();
  }
}
