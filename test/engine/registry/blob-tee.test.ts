import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BlobTee } from '../../../engine/registry/blob-tee.js';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

function chunks(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(size, i));
}

async function* from(parts: Buffer[], fail?: Error): AsyncGenerator<Buffer> {
  for (const part of parts) {
    await sleep(0);
    yield part;
  }
  if (fail) throw fail;
}

describe('engine/registry/blob-tee', () => {
  it('gives the follower exactly the bytes the leader reads, in order', async () => {
    const parts = chunks(50, 1000);
    const tee = new BlobTee(from(parts), 4000);
    const [led, followed] = await Promise.all([collect(tee.leader()), collect(tee.follower())]);
    assert.deepEqual(led, Buffer.concat(parts));
    assert.deepEqual(followed, Buffer.concat(parts));
    assert.equal(tee.drained, true);
  });

  it('keeps the leader at most the buffer ahead of a slow follower', async () => {
    const tee = new BlobTee(from(chunks(20, 1000)), 3000);
    let led = 0;
    const leading = (async () => {
      for await (const chunk of tee.leader()) led += chunk.length;
    })();
    const follower = tee.follower();
    await follower.next();
    await sleep(20);
    // One chunk taken by the follower, three buffered, one more read before the leader waits.
    assert.ok(led <= 5000, `the leader ran ${led} bytes ahead`);
    await collect(follower);
    await leading;
    assert.equal(led, 20000);
  });

  it('lets the leader run alone once the follower stops, or never starts', async () => {
    const stopped = new BlobTee(from(chunks(20, 1000)), 1000);
    const follower = stopped.follower();
    const leading = collect(stopped.leader());
    await follower.next();
    await follower.return(undefined);
    assert.equal((await leading).length, 20000);

    const unused = new BlobTee(from(chunks(20, 1000)), 1000);
    unused.detach();
    assert.equal((await collect(unused.leader())).length, 20000);
  });

  it('fails the follower with the download error, or when the leader stops early', async () => {
    const broken = new BlobTee(from(chunks(5, 100), new RangeError('connection reset')));
    const followed = collect(broken.follower());
    await assert.rejects(collect(broken.leader()), RangeError);
    await assert.rejects(followed, RangeError);
    assert.equal(broken.failed, true);

    const early = new BlobTee(from(chunks(5, 100)));
    const followedEarly = collect(early.follower());
    for await (const chunk of early.leader()) if (chunk.length > 0) break;
    await assert.rejects(followedEarly, /stopped before the end/);
  });

  it('fails a waiting follower when the leader is done without reading the blob', async () => {
    const tee = new BlobTee(from(chunks(5, 100)));
    const followed = collect(tee.follower());
    tee.leaderDone();
    await assert.rejects(followed, /not read to its end/);
    assert.equal(tee.drained, false);
  });
});
