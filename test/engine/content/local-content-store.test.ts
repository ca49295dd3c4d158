import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LocalContentStore } from '../../../engine/content/local/local-content-store.js';
import { InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const digest = (data: Buffer): string => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

async function* chunks(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('engine/content/local-content-store', () => {
  let dir: string;
  let store: LocalContentStore;
  beforeEach(() => {
    dir = makeTempDir('content');
    store = new LocalContentStore(dir);
  });
  afterEach(() => removeTempDir(dir));

  it('stores a streamed blob under its sha256 digest and reads it back', async () => {
    const data = crypto.randomBytes(300_000);
    const info = await store.write(chunks(data, 7000));
    assert.deepEqual(info, { digest: digest(data), size: data.length });
    assert.ok(store.has(info.digest));
    assert.deepEqual(store.readAll(info.digest, 1e6), data);
    const part: Buffer[] = [];
    for await (const c of store.read(info.digest, { start: 10, end: 19 })) part.push(c as Buffer);
    assert.deepEqual(Buffer.concat(part), data.subarray(10, 20));
  });

  it('refuses a blob whose bytes do not match the claimed digest and stores nothing under it', async () => {
    const claimed = digest(Buffer.from('the real thing'));
    await assert.rejects(store.write(Buffer.from('an impostor'), { digest: claimed }), (err: Error) => err instanceof InvalidArgumentError && /digest mismatch/.test(err.message));
    assert.equal(store.has(claimed), false);
    assert.deepEqual(store.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'ingest')), [], 'no ingest file is left behind');
  });

  it('refuses a blob of the wrong size, including one that runs past it', async () => {
    const data = Buffer.from('twelve bytes');
    await assert.rejects(store.write(data, { size: 11 }), /larger than the expected 11 bytes/);
    await assert.rejects(store.write(data, { size: 13 }), /size mismatch/);
    assert.deepEqual(store.list(), []);
  });

  it('says which blob is missing', () => {
    const missing = digest(Buffer.from('nothing'));
    assert.throws(() => store.info(missing), (err: Error) => err instanceof NotFoundError && err.message.includes(missing));
    assert.throws(() => store.read(missing), NotFoundError);
  });

  it('rejects malformed digests before touching the filesystem', () => {
    assert.throws(() => store.has('sha256:../../etc/passwd'), InvalidArgumentError);
    assert.throws(() => store.has('md5:abc'), InvalidArgumentError);
  });

  it('keeps one copy when the same blob is written concurrently', async () => {
    const data = crypto.randomBytes(1_000_000);
    const infos = await Promise.all([store.write(chunks(data, 4096)), store.write(chunks(data, 65536)), store.write(data)]);
    assert.ok(infos.every((i) => i.digest === digest(data)));
    assert.deepEqual(store.list(), [digest(data)]);
  });

  it('refuses readAll of a blob over the limit', async () => {
    const info = await store.write(Buffer.alloc(2048));
    assert.throws(() => store.readAll(info.digest, 1024), /over the 1024-byte limit/);
  });

  it('removes ingest files of dead processes only', () => {
    fs.writeFileSync(path.join(dir, 'ingest', '999999999-dead'), 'x');
    fs.writeFileSync(path.join(dir, 'ingest', `${process.pid}-live`), 'x');
    assert.deepEqual(store.cleanupIngests(), ['999999999-dead']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'ingest')), [`${process.pid}-live`]);
  });
});
