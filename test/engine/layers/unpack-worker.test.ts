/**
 * The unpack thread: a layer of a MiB or more that an external decoder (igzip, zstd)
 * decompresses is read, hashed and written on a thread of its own by the native unpacker
 * ('worker' in UnpackResult). Real archives and the real igzip: that thread is
 * used, its tree is the one the calling thread makes, and whatever fails inside it (a
 * refused entry, a cap, a broken stream, a failing source) comes back in the category the
 * calling thread would throw, leaves no target, and leaves no decoder process running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { defaultLayerLimits } from '../../../engine/config.js';
import { InvalidArgumentError, QuotaExceededError } from '../../../engine/errors.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, sha256, snapshotTree, tarOf, type FixtureEntry } from './layer-fixtures.js';

const layer: FixtureEntry[] = [
  [{ name: './', type: 'directory', mode: 0o755, mtime: 1_000 }],
  [{ name: 'etc/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000, mtime: 2_000 }],
  [{ name: 'etc/motd', type: 'file', mode: 0o644, mtime: 3_000 }, 'hello\n'],
  [{ name: 'bin/', type: 'directory', mode: 0o755, mtime: 4_000 }],
  [{ name: 'bin/big', type: 'file', mode: 0o755, mtime: 5_000 }, Buffer.alloc(3 << 20, 7)],
  [{ name: 'bin/sh', type: 'symlink', linkname: 'big', mtime: 6_000 }],
  [{ name: 'bin/ln', type: 'link', linkname: 'bin/big' }],
  [{ name: 'etc/.wh.gone', type: 'file' }, ''],
];

/** Decoder processes (igzip, zstd) that are children of this process. */
function decoderChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return out.filter((name) => name === 'igzip' || name === 'zstd');
}

/** Sends even a small layer to the worker. */
const onWorker0 = { workerFrom: 0 };

async function noDecoderLeft(): Promise<void> {
  for (let i = 0; i < 50 && decoderChildren().length > 0; i++) await sleep(20);
  assert.deepEqual(decoderChildren(), [], 'no decoder process is left running');
}

describe('engine/layers/unpack on the worker thread', () => {
  let dir: string;
  let target: string;
  beforeEach(() => {
    dir = makeTempDir('unpack-worker');
    target = path.join(dir, 'layer');
  });
  afterEach(() => removeTempDir(dir));

  it('unpacks a gzip layer of a MiB or more on the worker, to the tree the calling thread makes', async () => {
    // Random bytes do not compress, so this layer is over a MiB gzipped too.
    const tar = await tarOf([...layer, [{ name: 'var/', type: 'directory', mtime: 8_000 }], [{ name: 'var/noise', type: 'file', mtime: 7_000 }, crypto.randomBytes(1536 * 1024)]]);
    const plain = path.join(dir, 'plain');
    const onCaller = await unpackLayer(chunked(tar), plain, defaultLayerLimits);
    const onWorker = await unpackLayer(chunked(zlib.gzipSync(tar), 5000), target, defaultLayerLimits);
    assert.equal(onCaller.unpackedOn, 'caller');
    assert.deepEqual(onWorker, { diffId: `sha256:${sha256(tar)}`, size: tar.length, entries: layer.length + 2, compression: 'gzip', unpackedOn: 'worker' });
    assert.deepEqual(snapshotTree(target), snapshotTree(plain));
    assert.ok(fs.lstatSync(path.join(target, 'etc/gone')).isCharacterDevice(), 'the whiteout became a 0/0 device');
    // A small one is not worth a thread; forced, it still goes there.
    const small = zlib.gzipSync(await tarOf(layer));
    assert.equal((await unpackLayer(chunked(small), path.join(dir, 'small'), defaultLayerLimits)).unpackedOn, 'caller');
    assert.equal((await unpackLayer(chunked(small), path.join(dir, 'forced'), defaultLayerLimits, onWorker0)).unpackedOn, 'worker');
    assert.deepEqual(snapshotTree(path.join(dir, 'forced')), snapshotTree(path.join(dir, 'small')));
    await noDecoderLeft();
  });

  it('refuses a device node on the worker as InvalidArgumentError naming the entry, leaving nothing', async () => {
    const tar = await tarOf([...layer, [{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }]]);
    await assert.rejects(unpackLayer(chunked(zlib.gzipSync(tar)), target, defaultLayerLimits, onWorker0), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, `${err.name}: ${err.message}`);
      assert.match(err.message, /'dev\/sda'.*not allowed/);
      return true;
    });
    assert.equal(fs.existsSync(target), false);
    await noDecoderLeft();
  });

  it('stops at the entry and size caps on the worker with QuotaExceededError, leaving nothing', async () => {
    const gz = zlib.gzipSync(await tarOf(layer));
    await assert.rejects(unpackLayer(chunked(gz), target, { ...defaultLayerLimits, maxLayerEntries: 3 }, onWorker0), (err: Error) => err instanceof QuotaExceededError && /'bin\/'.*more than 3 entries/.test(err.message));
    assert.equal(fs.existsSync(target), false);
    await assert.rejects(unpackLayer(chunked(gz), target, { ...defaultLayerLimits, maxLayerBytes: 1 << 20 }, onWorker0), (err: Error) => err instanceof QuotaExceededError && /larger than the limit/.test(err.message));
    assert.equal(fs.existsSync(target), false);
    await noDecoderLeft();
  });

  it('reports a corrupt stream as bad gzip and a failing source as its own error, leaving nothing', async () => {
    const gz = zlib.gzipSync(await tarOf(layer));
    const corrupt = Buffer.from(gz);
    corrupt[corrupt.length - 8]! ^= 0xff;
    await assert.rejects(unpackLayer(chunked(corrupt), target, defaultLayerLimits, onWorker0), (err: Error) => err instanceof InvalidArgumentError && /not valid gzip/.test(err.message));
    assert.equal(fs.existsSync(target), false);
    async function* failing(): AsyncGenerator<Buffer> {
      yield gz.subarray(0, gz.length >> 1);
      throw new RangeError('the download broke');
    }
    await assert.rejects(unpackLayer(failing(), target, defaultLayerLimits, onWorker0), (err: Error) => err instanceof RangeError && /download broke/.test(err.message));
    assert.equal(fs.existsSync(target), false);
    await noDecoderLeft();
  });
});
