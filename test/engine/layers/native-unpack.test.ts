/**
 * The native unpacker (engine/sys/native/sys-tar-*.c), which the unpack worker runs for
 * every externally decoded layer: gzipped archives with `workerFrom: 0` reach it. It must
 * make the tree the TypeScript unpacker makes (and GNU tar, to the nanosecond), and refuse
 * what it refuses — also through the header forms our own writer never emits (PAX paths,
 * GNU long names and long links), which are decoded in C separately.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defaultLayerLimits } from '../../../engine/config.js';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { encodePax } from '../../../engine/layers/pax.js';
import { unpackLayer } from '../../../engine/layers/unpack.js';
import { sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, endBlocks, rawBody, rawHeader, sha256, snapshotTree, tarOf, type FixtureEntry } from './layer-fixtures.js';

const native = { workerFrom: 0 };
const long = `deep/${'d'.repeat(120)}/${'n'.repeat(150)}`;

// Every kind of entry, replacements of each kind by another, and the ownership cases the
// native side treats apart (0:0 is not chowned; setuid must survive).
const rich: FixtureEntry[] = [
  [{ name: './', type: 'directory', mode: 0o755, mtime: 1_000 }],
  [{ name: 'etc/', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, mtime: 2_000, xattrs: { 'user.dir': Buffer.from('d') } }],
  [{ name: 'etc/motd', type: 'file', mode: 0o640, uid: 7, gid: 8, mtime: 3_000, xattrs: { 'user.note': Buffer.from('hi') } }, 'hello\n'],
  [{ name: 'bin/ping', type: 'file', mode: 0o4755, mtime: 4_000, xattrs: { 'security.capability': Buffer.from('0100000200200000000000000000000000000000', 'hex') } }, Buffer.alloc(70_000, 1)],
  [{ name: 'bin/sh', type: 'symlink', linkname: 'ping', uid: 5, gid: 5, mtime: 5_000 }],
  [{ name: 'bin/ln', type: 'link', linkname: 'bin/ping' }],
  [{ name: 'run/fifo', type: 'fifo', mode: 0o600, mtime: 6_000 }],
  [{ name: `${long}/file`, type: 'file', mtime: 7_000 }, 'long name\n'],
  [{ name: 'far', type: 'symlink', linkname: `/${'t'.repeat(200)}` }],
  [{ name: 'r', type: 'file' }, 'file first'],
  [{ name: 'r/', type: 'directory', mode: 0o711 }],
  [{ name: 'r/x', type: 'file' }, 'then a directory'],
  [{ name: 'q/', type: 'directory' }],
  [{ name: 'q/child', type: 'file' }, 'gone with its directory'],
  [{ name: 'q', type: 'file', mode: 0o600 }, 'a file replaces the directory'],
  [{ name: 's', type: 'symlink', linkname: '/etc' }],
  [{ name: 's', type: 'file' }, 'a file replaces the symlink'],
  [{ name: 'etc/.wh.shadow', type: 'file' }, ''],
  [{ name: 'opq/', type: 'directory' }],
  [{ name: 'opq/.wh..wh..opq', type: 'file' }, ''],
  [{ name: 'big', type: 'file', mtime: 8_000 }, crypto.randomBytes(3 << 20)],
];

/** An entry whose PAX header sets `records` (path, linkpath, ...), written block by block. */
function paxEntry(records: [string, string][], header: Parameters<typeof rawHeader>[0], body = ''): Buffer {
  const pax = encodePax(records.map(([k, v]) => [k, Buffer.from(v)]));
  return Buffer.concat([rawHeader({ name: 'PaxHeaders/x', typeflag: 'x', size: pax.length }), rawBody(pax), rawHeader(header), rawBody(body)]);
}

/** An entry preceded by a GNU long-name ('L') or long-link ('K') header. */
function gnuLong(flag: 'L' | 'K', value: string, header: Parameters<typeof rawHeader>[0], body = ''): Buffer {
  const text = Buffer.from(`${value}\0`);
  return Buffer.concat([rawHeader({ name: '././@LongLink', typeflag: flag, size: text.length, magic: 'ustar  \0' }), rawBody(text), rawHeader(header), rawBody(body)]);
}

describe('engine/layers: the native unpacker', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('native-unpack');
  });
  afterEach(() => removeTempDir(dir));

  it('makes the tree the TypeScript unpacker makes, entry kinds, replacements and whiteouts included', async () => {
    const tar = await tarOf(rich);
    const ts = await unpackLayer(chunked(tar), path.join(dir, 'ts'), defaultLayerLimits);
    const c = await unpackLayer(chunked(zlib.gzipSync(tar), 7_777), path.join(dir, 'native'), defaultLayerLimits, native);
    assert.equal(ts.unpackedOn, 'caller');
    assert.equal(c.unpackedOn, 'worker');
    assert.deepEqual({ ...c, unpackedOn: 'caller', compression: 'none' }, ts);
    assert.equal(c.diffId, `sha256:${sha256(tar)}`);
    // Parents that no entry names (bin, run, deep/...) keep the time they were made at.
    const implicit = /^(bin|run|deep|deep\/d+|deep\/d+\/n+) dir /;
    const timeless = (lines: string[]): string[] => lines.map((line) => (implicit.test(line) ? line.replace(/mtime=\d+/, 'mtime=*') : line));
    assert.deepEqual(timeless(snapshotTree(path.join(dir, 'native'))), timeless(snapshotTree(path.join(dir, 'ts'))));
    const root = path.join(dir, 'native');
    assert.equal(fs.statSync(path.join(root, 'bin/ping')).mode & 0o7777, 0o4755, 'setuid kept');
    assert.equal(fs.readFileSync(path.join(root, 'q'), 'utf8'), 'a file replaces the directory');
    assert.ok(fs.lstatSync(path.join(root, 'etc/shadow')).isCharacterDevice(), 'the whiteout is a 0/0 device');
    assert.equal(fs.statSync(path.join(root, 'bin/ln')).ino, fs.statSync(path.join(root, 'bin/ping')).ino, 'the hardlink shares the inode');
  });

  it('reproduces what GNU tar archived (PAX, xattrs, sub-second times) exactly as GNU tar extracts it', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'a/b'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a/b/file'), crypto.randomBytes(2 << 20));
    fs.writeFileSync(path.join(src, `a/${'x'.repeat(180)}`), 'long\n');
    fs.symlinkSync('b/file', path.join(src, 'a/link'));
    fs.linkSync(path.join(src, 'a/b/file'), path.join(src, 'a/hard'));
    sys.lsetxattr(path.join(src, 'a/b/file'), 'user.tag', Buffer.from('v1'));
    for (const p of ['a/b/file', 'a/b', 'a', '.']) execFileSync('touch', ['-h', '-d', '2021-03-04 05:06:07.123456789', path.join(src, p)]);
    const tar = execFileSync('tar', ['--format=pax', '--xattrs', '--numeric-owner', '-C', src, '-cf', '-', '.'], { maxBuffer: 64 << 20 });
    const gnu = path.join(dir, 'gnu');
    fs.mkdirSync(gnu);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-C', gnu, '-xpf', '-'], { input: tar });
    const ours = path.join(dir, 'ours');
    await unpackLayer(chunked(zlib.gzipSync(tar)), ours, defaultLayerLimits, native);
    assert.deepEqual(snapshotTree(ours), snapshotTree(gnu));
    assert.equal(fs.statSync(path.join(ours, 'a/b/file'), { bigint: true }).mtimeNs % 1_000_000_000n, 123_456_789n);
  });

  const refusals: { title: string; archive: () => Buffer; says: RegExp; unended?: boolean }[] = [
    { title: "a PAX path with '../'", archive: () => paxEntry([['path', '../escaped']], { name: 'harmless', typeflag: '0', size: 1 }, 'x'), says: /'\.\.\/escaped'.*escapes the layer/ },
    { title: 'an absolute PAX path', archive: () => paxEntry([['path', '/tmp/escaped']], { name: 'harmless', typeflag: '0', size: 1 }, 'x'), says: /'\/tmp\/escaped'.*absolute path escapes/ },
    { title: "a GNU long name with '../'", archive: () => gnuLong('L', `${'a/'.repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../escaped`, { name: 'short', typeflag: '0', size: 1 }, 'x'), says: /escapes the layer/ },
    {
      title: 'a symlink, then a PAX path written through it',
      archive: () => Buffer.concat([rawHeader({ name: 'up', typeflag: '2', linkname: '..' }), paxEntry([['path', 'up/escaped']], { name: 'harmless', typeflag: '0', size: 1 }, 'x')]),
      says: /'up\/escaped'.*symlink 'up'/,
    },
    { title: 'a GNU long link hardlinking outside', archive: () => gnuLong('K', '/etc/passwd', { name: 'h', typeflag: '1' }), says: /'h'.*hardlink target '\/etc\/passwd'.*escapes/ },
    { title: 'a PAX linkpath hardlinking a symlink', archive: () => Buffer.concat([rawHeader({ name: 's', typeflag: '2', linkname: '/etc/passwd' }), paxEntry([['linkpath', 's']], { name: 'h', typeflag: '1' })]), says: /'h'.*not a regular file/ },
    { title: 'a PAX opaque marker under a symlink', archive: () => Buffer.concat([rawHeader({ name: 's', typeflag: '2', linkname: '/etc' }), paxEntry([['path', 's/.wh..wh..opq']], { name: 'x', typeflag: '0' })]), says: /symlink 's'/ },
    { title: 'a sparse entry announced in PAX', archive: () => paxEntry([['GNU.sparse.major', '1']], { name: 'sparse', typeflag: '0' }), says: /sparse files are not supported/ },
    { title: 'a tar cut in the middle of a body', archive: () => Buffer.concat([rawHeader({ name: 'cut', typeflag: '0', size: 4096 }), Buffer.alloc(1000, 1)]), says: /'cut'.*truncated: the body of 'cut' ends 3096 bytes early/, unended: true },
    { title: 'a header with a bad checksum', archive: () => Buffer.concat([Buffer.alloc(512, 0x41), endBlocks]), says: /checksum mismatch/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.title}, leaving no target and nothing outside it`, async () => {
      const target = path.join(dir, 'layer');
      const before = fs.readdirSync(dir);
      const archive = r.unended ? r.archive() : Buffer.concat([r.archive(), endBlocks]);
      await assert.rejects(unpackLayer(chunked(zlib.gzipSync(archive)), target, defaultLayerLimits, native), (err: Error) => {
        assert.ok(err instanceof InvalidArgumentError, `${err.name}: ${err.message}`);
        assert.match(err.message, r.says);
        return true;
      });
      assert.equal(fs.existsSync(target), false);
      assert.deepEqual(fs.readdirSync(dir), before);
      assert.equal(fs.existsSync('/tmp/escaped'), false);
    });
  }

  it('skips the body of a whiteout rather than reading a header smuggled in it', async () => {
    const smuggled = Buffer.concat([rawHeader({ name: 'smuggled', typeflag: '0', size: 0 }), Buffer.alloc(512)]);
    const tar = await tarOf([[{ name: 'etc/', type: 'directory' }], [{ name: 'etc/.wh.gone', type: 'file' }, smuggled], [{ name: 'etc/after', type: 'file' }, 'after\n']]);
    const target = path.join(dir, 'layer');
    await unpackLayer(chunked(zlib.gzipSync(tar)), target, defaultLayerLimits, native);
    assert.deepEqual(fs.readdirSync(target), ['etc']);
    assert.deepEqual(fs.readdirSync(path.join(target, 'etc')).sort(), ['after', 'gone']);
    assert.equal(fs.readFileSync(path.join(target, 'etc/after'), 'utf8'), 'after\n');
  });

  it('refuses a truncated gzip stream as bad gzip, leaving nothing', async () => {
    const gz = zlib.gzipSync(await tarOf(rich));
    const target = path.join(dir, 'layer');
    await assert.rejects(unpackLayer(chunked(gz.subarray(0, gz.length - 4096)), target, defaultLayerLimits, native), (err: Error) => err instanceof InvalidArgumentError && /not valid gzip/.test(err.message));
    assert.equal(fs.existsSync(target), false);
  });
});
