import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defaultLayerLimits } from '../../../engine/config.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../../engine/errors.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, sha256, snapshotTree, tarOf, type FixtureEntry } from './layer-fixtures.js';

/** security.capability v2 granting cap_net_raw (bit 13), effective: what `setcap cap_net_raw+ep` writes. */
const netRaw = Buffer.from([0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

const goodLayer: FixtureEntry[] = [
  [{ name: './', type: 'directory', mode: 0o755, mtime: 1_000 }],
  [{ name: 'etc/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000, mtime: 2_000 }],
  [{ name: 'etc/passwd', type: 'file', mode: 0o644, mtime: 3_000 }, 'root:x:0:0::/root:/bin/sh\n'],
  [{ name: 'bin/', type: 'directory', mode: 0o755, mtime: 4_000 }],
  [{ name: 'bin/busybox', type: 'file', mode: 0o4755, mtime: 5_000 }, 'not really busybox'],
  [{ name: 'bin/sh', type: 'symlink', linkname: 'busybox', uid: 1000, gid: 1000, mtime: 6_000 }],
  [{ name: 'bin/ls', type: 'link', linkname: 'bin/busybox' }],
  [{ name: 'bin/tool', type: 'file', mode: 0o2750, uid: 1000, gid: 1000, mtime: 7_000.5 }, 'tool'],
  [{ name: 'bin/ping', type: 'file', mode: 0o755, xattrs: { 'security.capability': netRaw, 'user.origin': Buffer.from('test') } }, 'ping'],
  [{ name: 'home/user/.profile', type: 'file', uid: 1000, gid: 1000, mode: 0o600 }, 'export A=1\n'],
  [{ name: 'tmp/', type: 'directory', mode: 0o1777, mtime: 8_000 }],
  [{ name: 'run/pipe', type: 'fifo', mode: 0o620, uid: 1000, gid: 5 }],
];

describe('engine/layers/unpack', () => {
  let dir: string;
  let target: string;
  beforeEach(() => {
    dir = makeTempDir('unpack');
    target = path.join(dir, 'layer');
  });
  afterEach(() => removeTempDir(dir));

  it('unpacks files, directories, links and FIFOs with their owners, modes and times', async () => {
    const tar = await tarOf(goodLayer);
    const result = await unpackLayer(chunked(tar, 1000), target, defaultLayerLimits);
    assert.deepEqual(result, { diffId: `sha256:${sha256(tar)}`, size: tar.length, entries: goodLayer.length, compression: 'none', unpackedOn: 'caller' });
    const st = (name: string): fs.Stats => fs.lstatSync(path.join(target, name));
    const meta = (name: string): [number, number, number, number] => [st(name).mode & 0o7777, st(name).uid, st(name).gid, st(name).mtimeMs / 1000];
    assert.deepEqual(meta('.'), [0o755, 0, 0, 1_000]);
    assert.deepEqual(meta('etc'), [0o750, 1000, 1000, 2_000]);
    assert.deepEqual(meta('etc/passwd'), [0o644, 0, 0, 3_000]);
    assert.deepEqual(meta('bin'), [0o755, 0, 0, 4_000]);
    assert.deepEqual(meta('bin/busybox'), [0o4755, 0, 0, 5_000]);
    assert.deepEqual(meta('bin/tool'), [0o2750, 1000, 1000, 7_000.5]);
    assert.deepEqual([st('bin/sh').isSymbolicLink(), fs.readlinkSync(path.join(target, 'bin/sh')), st('bin/sh').uid, st('bin/sh').mtimeMs / 1000], [true, 'busybox', 1000, 6_000]);
    assert.deepEqual([st('bin/ls').ino, st('bin/ls').nlink], [st('bin/busybox').ino, 2]);
    assert.deepEqual(sys.lgetxattr(path.join(target, 'bin/ping'), 'security.capability'), netRaw);
    assert.equal(sys.lgetxattr(path.join(target, 'bin/ping'), 'user.origin')?.toString(), 'test');
    // Parents tar had to create itself: root-owned 0755.
    assert.deepEqual(meta('home').slice(0, 3), [0o755, 0, 0]);
    assert.deepEqual(meta('home/user/.profile').slice(0, 3), [0o600, 1000, 1000]);
    assert.equal(fs.readFileSync(path.join(target, 'home/user/.profile'), 'utf8'), 'export A=1\n');
    assert.deepEqual(meta('tmp'), [0o1777, 0, 0, 8_000]);
    assert.ok(st('run/pipe').isFIFO());
    assert.deepEqual(meta('run/pipe').slice(0, 3), [0o620, 1000, 5]);
  });

  it('unpacks gzip and zstd layers to the same tree, hashing the uncompressed tar', async function () {
    // Entries for the parents tar would create, so that no mtime depends on the clock.
    const explicitParents: FixtureEntry[] = ['home/', 'home/user/', 'run/'].map((name) => [{ name, type: 'directory', mtime: 9_000 }]);
    const tar = await tarOf([...goodLayer, ...explicitParents]);
    const plain = path.join(dir, 'plain');
    await unpackLayer(chunked(tar), plain, defaultLayerLimits);
    const gzipped = await unpackLayer(chunked(zlib.gzipSync(tar)), target, defaultLayerLimits);
    assert.deepEqual(gzipped, { diffId: `sha256:${sha256(tar)}`, size: tar.length, entries: goodLayer.length + 3, compression: 'gzip', unpackedOn: 'caller' });
    assert.deepEqual(snapshotTree(target), snapshotTree(plain));
    let zstd: Buffer;
    try {
      zstd = execFileSync('zstd', ['-c', '-q'], { input: tar });
    } catch {
      return this.skip(); // no zstd program on this host
    }
    const zstdTarget = path.join(dir, 'zstd');
    const result = await unpackLayer(chunked(zstd), zstdTarget, defaultLayerLimits);
    assert.deepEqual([result.compression, result.diffId], ['zstd', `sha256:${sha256(tar)}`]);
    assert.deepEqual(snapshotTree(zstdTarget), snapshotTree(plain));
  });

  it('reproduces a tree that GNU tar archived, xattrs and capabilities included', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'usr/bin'), { recursive: true });
    fs.writeFileSync(path.join(src, 'usr/bin/ping'), 'ping');
    sys.lsetxattr(path.join(src, 'usr/bin/ping'), 'security.capability', netRaw);
    fs.writeFileSync(path.join(src, 'usr/bin/tool'), 'tool');
    fs.chownSync(path.join(src, 'usr/bin/tool'), 1000, 1000);
    fs.chmodSync(path.join(src, 'usr/bin/tool'), 0o4711);
    fs.linkSync(path.join(src, 'usr/bin/tool'), path.join(src, 'usr/bin/tool2'));
    fs.symlinkSync('/usr/bin/ping', path.join(src, 'usr/ping-link'));
    sys.lsetxattr(path.join(src, 'usr'), 'user.dir', Buffer.from('attr'));
    fs.mkdirSync(path.join(src, `${'long'.repeat(30)}/${'name'.repeat(30)}`), { recursive: true });
    fs.writeFileSync(path.join(src, `${'long'.repeat(30)}/${'name'.repeat(30)}/${'file'.repeat(30)}`), 'deep');
    for (const p of ['usr/bin', 'usr', `${'long'.repeat(30)}/${'name'.repeat(30)}`, `${'long'.repeat(30)}`, '.']) fs.utimesSync(path.join(src, p), 1_234_567, 1_234_567);
    const archive = path.join(dir, 'layer.tar');
    execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=*', '--numeric-owner', '--sort=name', '-C', src, '-cf', archive, '.']);
    const result = await unpackLayer(fs.createReadStream(archive), target, defaultLayerLimits);
    assert.equal(result.diffId, `sha256:${sha256(fs.readFileSync(archive))}`);
    assert.deepEqual(snapshotTree(target, { seconds: true }), snapshotTree(src, { seconds: true }));
  });

  it('turns .wh.NAME into a 0/0 character device and .wh..wh..opq into an opaque directory', async () => {
    const result = await unpackLayer(chunked(await tarOf([
      [{ name: 'etc/.wh.motd', type: 'file' }, ''],
      [{ name: 'var/cache/.wh..wh..opq', type: 'file' }, ''],
      [{ name: 'var/cache/kept', type: 'file' }, 'kept'],
      [{ name: 'lib/old', type: 'file' }, 'replaced by its whiteout'],
      [{ name: 'lib/.wh.old', type: 'file' }, ''],
    ])), target, defaultLayerLimits);
    assert.equal(result.entries, 5);
    for (const name of ['etc/motd', 'lib/old']) {
      const st = fs.lstatSync(path.join(target, name));
      assert.deepEqual([st.isCharacterDevice(), st.rdev, st.mode & 0o7777], [true, 0, 0], name);
    }
    assert.equal(sys.lgetxattr(path.join(target, 'var/cache'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(fs.readFileSync(path.join(target, 'var/cache/kept'), 'utf8'), 'kept');
    assert.deepEqual(fs.readdirSync(path.join(target, 'etc')), ['motd']);
  });

  it('keeps device nodes only when allowDevices is set', async () => {
    const tar = await tarOf([
      [{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 }],
      [{ name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660, gid: 6 }],
    ]);
    await assert.rejects(unpackLayer(chunked(tar), target, defaultLayerLimits), InvalidArgumentError);
    await unpackLayer(chunked(tar), target, { ...defaultLayerLimits, allowDevices: true });
    const devNull = fs.lstatSync(path.join(target, 'dev/null'));
    assert.deepEqual([devNull.isCharacterDevice(), devNull.rdev, devNull.mode & 0o7777], [true, fs.lstatSync('/dev/null').rdev, 0o666]);
    const loop = fs.lstatSync(path.join(target, 'dev/loop0'));
    assert.deepEqual([loop.isBlockDevice(), loop.rdev, loop.gid], [true, 7 * 256, 6]);
  });

  it('lets a later entry replace an earlier one of the same name, as tar does', async () => {
    await unpackLayer(chunked(await tarOf([
      [{ name: 'a', type: 'symlink', linkname: '/etc/passwd' }],
      [{ name: 'a', type: 'file', mode: 0o600 }, 'now a file'],
      [{ name: 'd', type: 'symlink', linkname: '/etc' }],
      [{ name: 'd/', type: 'directory', mode: 0o700 }],
      [{ name: 'd/inside', type: 'file' }, 'in a real dir'],
      [{ name: 'x/', type: 'directory', mode: 0o755 }],
      [{ name: 'x/y', type: 'file' }, 'gone with x'],
      [{ name: 'x', type: 'symlink', linkname: 'd' }],
      [{ name: 'f', type: 'file' }, 'first'],
      [{ name: 'g', type: 'link', linkname: 'f' }],
      [{ name: 'g', type: 'file' }, 'second'],
      [{ name: 'd/', type: 'directory', mode: 0o711 }],
    ])), target, defaultLayerLimits);
    assert.equal(fs.readFileSync(path.join(target, 'a'), 'utf8'), 'now a file');
    assert.deepEqual([fs.lstatSync(path.join(target, 'd')).isDirectory(), fs.lstatSync(path.join(target, 'd')).mode & 0o7777], [true, 0o711]);
    assert.equal(fs.readFileSync(path.join(target, 'd/inside'), 'utf8'), 'in a real dir');
    assert.equal(fs.readlinkSync(path.join(target, 'x')), 'd');
    assert.deepEqual([fs.readFileSync(path.join(target, 'f'), 'utf8'), fs.readFileSync(path.join(target, 'g'), 'utf8')], ['first', 'second']);
  });

  it('refuses a target that is not empty and leaves it alone', async () => {
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'mine');
    await assert.rejects(unpackLayer(chunked(await tarOf(goodLayer)), target, defaultLayerLimits), FailedPreconditionError);
    assert.equal(fs.readFileSync(path.join(target, 'keep'), 'utf8'), 'mine');
  });

  it('refuses corrupt gzip and truncated tars, removing the target', async () => {
    const tar = await tarOf(goodLayer);
    const gz = zlib.gzipSync(tar);
    gz[gz.length - 8]! ^= 0xff; // the CRC: every byte inflates, then the check fails
    await assert.rejects(unpackLayer(chunked(gz), target, defaultLayerLimits), (err: Error) => err instanceof InvalidArgumentError && /gzip/.test(err.message));
    assert.equal(fs.existsSync(target), false);
    await assert.rejects(unpackLayer(chunked(tar.subarray(0, 2500)), target, defaultLayerLimits), (err: Error) => err instanceof InvalidArgumentError && /truncated/.test(err.message));
    assert.equal(fs.existsSync(target), false);
  });
});
