import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { readTar } from '../../../engine/layers/tar-reader.js';
import { TarWriter, type TarWriteHeader } from '../../../engine/layers/tar-writer.js';
import { sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, collect, sha256, tarOf, type FixtureEntry } from './layer-fixtures.js';

const longName = `${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(90)}`;
const splitName = `${'p'.repeat(120)}/${'n'.repeat(90)}`; // fits ustar's prefix + name split
const longTarget = `../${'t'.repeat(200)}`;

/** Entries with every feature the writer has to encode. */
const sample: FixtureEntry[] = [
  [{ name: 'dir/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000, mtime: 1_500_000_000 }],
  [{ name: 'dir/setuid', type: 'file', mode: 0o4755, uid: 1000, gid: 100, mtime: 1_500_000_001 }, 'binary'],
  [{ name: 'dir/hard', type: 'link', linkname: 'dir/setuid' }],
  [{ name: 'sym', type: 'symlink', linkname: longTarget, mtime: 1_500_000_002 }],
  [{ name: `${splitName}`, type: 'file', mtime: 1_500_000_003 }, 'split'],
  [{ name: longName, type: 'file', uid: 3_000_000, gid: 4_000_000, mtime: 1_500_000_004.25, xattrs: { 'user.b': Buffer.from('2'), 'user.a': Buffer.from([0, 0x0a, 0xff]) } }, 'long'],
  [{ name: 'fifo', type: 'fifo', mode: 0o600 }],
  [{ name: 'empty', type: 'file', uname: 'u'.repeat(40), mtime: -100 }, ''],
];

describe('engine/layers/tar-writer', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('tar-writer'); });
  afterEach(() => removeTempDir(dir));

  it('round-trips every field through our reader', async () => {
    const bytes = await tarOf(sample);
    const read: { header: TarWriteHeader; body: string }[] = [];
    for await (const entry of readTar(chunked(bytes, 1000))) read.push({ header: entry.header, body: (await collect(entry.body)).toString() });
    assert.equal(read.length, sample.length);
    sample.forEach(([header, body], i) => {
      const got = read[i]!;
      for (const key of Object.keys(header) as (keyof TarWriteHeader)[]) assert.deepEqual(got.header[key], header[key], `${header.name}: ${key}`);
      assert.equal(got.body, body ?? '');
    });
  });

  it('writes archives GNU tar lists and extracts, xattrs included', async () => {
    const archive = path.join(dir, 'ours.tar');
    fs.writeFileSync(archive, await tarOf(sample));
    const listing = execFileSync('tar', ['-tf', archive]).toString().trim().split('\n');
    assert.deepEqual(listing, sample.map(([h]) => h.name));
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    // stdio piped: GNU tar warns about the deliberately pre-1970 mtime.
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--same-owner', '--numeric-owner', '-xpf', archive, '-C', out], { stdio: 'pipe' });
    const setuid = fs.lstatSync(path.join(out, 'dir/setuid'));
    assert.deepEqual([setuid.mode & 0o7777, setuid.uid, setuid.gid, setuid.mtimeMs / 1000, setuid.nlink], [0o4755, 1000, 100, 1_500_000_001, 2]);
    assert.equal(fs.lstatSync(path.join(out, 'dir/hard')).ino, setuid.ino);
    assert.equal(fs.readlinkSync(path.join(out, 'sym')), longTarget);
    assert.equal(fs.readFileSync(path.join(out, splitName), 'utf8'), 'split');
    const long = fs.lstatSync(path.join(out, longName));
    assert.deepEqual([long.uid, long.gid, long.mtimeMs / 1000], [3_000_000, 4_000_000, 1_500_000_004.25]);
    assert.deepEqual(sys.lgetxattr(path.join(out, longName), 'user.a'), Buffer.from([0, 0x0a, 0xff]));
    assert.ok(fs.lstatSync(path.join(out, 'fifo')).isFIFO());
    assert.equal(fs.lstatSync(path.join(out, 'dir')).mode & 0o7777, 0o750);
  });

  it('writes the same bytes for the same entries', async () => {
    assert.equal(sha256(await tarOf(sample)), sha256(await tarOf(sample)));
  });

  it('refuses a Buffer body of the wrong length and stays usable', async () => {
    const tar = new TarWriter();
    const bytes = collect(tar.stream);
    await assert.rejects(tar.add({ name: 'bad', type: 'file', size: 10 }, Buffer.from('short')), InvalidArgumentError);
    await tar.add({ name: 'good', type: 'file' }, Buffer.from('ok'));
    await tar.finish();
    const names: string[] = [];
    for await (const entry of readTar(chunked(await bytes))) names.push(entry.header.name);
    assert.deepEqual(names, ['good']);
  });

  it('fails the archive when a streamed body is shorter or longer than its size', async () => {
    for (const parts of [['abc'], ['abcdef', 'ghijkl']]) {
      const tar = new TarWriter();
      const bytes = collect(tar.stream);
      await assert.rejects(tar.add({ name: 'streamed', type: 'file', size: 5 }, chunked(Buffer.from(parts.join('')), 6)), (err: Error) => err instanceof InvalidArgumentError && /'streamed'/.test(err.message));
      await assert.rejects(bytes, InvalidArgumentError);
    }
  });

  it('holds add() until the reader takes the bytes', async () => {
    const tar = new TarWriter();
    const settled: string[] = [];
    const big = tar.add({ name: 'big', type: 'file' }, Buffer.alloc(4 * 1024 * 1024)).then(() => settled.push('big'));
    const after = tar.add({ name: 'after', type: 'file' }, Buffer.from('x')).then(() => settled.push('after'));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    // Nothing reads the stream yet, so neither entry can have been accepted.
    assert.deepEqual(settled, []);
    const bytes = collect(tar.stream);
    await Promise.all([big, after, tar.finish()]);
    assert.deepEqual(settled, ['big', 'after']);
    const names: string[] = [];
    for await (const entry of readTar(chunked(await bytes))) names.push(entry.header.name);
    assert.deepEqual(names, ['big', 'after']);
  });

  it('writes archives skopeo and umoci read (Go archive/tar)', async function () {
    const tools = ['skopeo', 'umoci'].filter((tool) => { try { execFileSync('sh', ['-c', `command -v ${tool}`]); return true; } catch { return false; } });
    if (tools.length < 2) this.skip();
    const layer = await tarOf(sample.filter(([h]) => h.type !== 'fifo'));
    const diffId = `sha256:${sha256(layer)}`;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
    const configName = `${sha256(config)}.json`;
    const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['interop:latest'], Layers: ['layer/layer.tar'] }]));
    const archive = path.join(dir, 'docker-archive.tar');
    fs.writeFileSync(archive, await tarOf([
      [{ name: 'layer/', type: 'directory' }],
      [{ name: 'layer/layer.tar', type: 'file' }, layer],
      [{ name: configName, type: 'file' }, config],
      [{ name: 'manifest.json', type: 'file' }, manifest],
    ]));
    const layout = path.join(dir, 'layout');
    execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:latest`], { stdio: 'pipe' });
    const rootfs = path.join(dir, 'rootfs');
    execFileSync('umoci', ['raw', 'unpack', '--image', `${layout}:latest`, rootfs], { stdio: 'pipe' });
    assert.equal(fs.readFileSync(path.join(rootfs, longName), 'utf8'), 'long');
    assert.equal(fs.readlinkSync(path.join(rootfs, 'sym')), longTarget);
    const setuid = fs.lstatSync(path.join(rootfs, 'dir/setuid'));
    assert.deepEqual([setuid.mode & 0o7777, setuid.uid, setuid.nlink], [0o4755, 1000, 2]);
    assert.equal(fs.lstatSync(path.join(rootfs, longName)).uid, 3_000_000);
  });
});
