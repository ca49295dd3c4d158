import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { readTar, type TarHeader } from '../../../engine/layers/tar-reader.js';
import { sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { chunked, endBlocks, rawBody, rawHeader, tarOf } from './layer-fixtures.js';

/** Reads an archive whole: each header with its body as a string. */
async function entriesOf(source: AsyncIterable<Buffer>): Promise<{ header: TarHeader; body: string }[]> {
  const out: { header: TarHeader; body: string }[] = [];
  for await (const entry of readTar(source)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry.body) chunks.push(chunk);
    out.push({ header: entry.header, body: Buffer.concat(chunks).toString() });
  }
  return out;
}

const longDir = `${'d'.repeat(120)}/${'e'.repeat(120)}`;
const longName = `${longDir}/${'f'.repeat(90)}`; // > 255 bytes: no ustar split fits
const longTarget = `../${'t'.repeat(200)}`;

describe('engine/layers/tar-reader', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('tar-reader'); });
  afterEach(() => removeTempDir(dir));

  for (const format of ['gnu', 'posix', 'ustar', 'v7'] as const) {
    it(`reads what GNU tar writes in --format=${format}`, async () => {
      const src = path.join(dir, 'src');
      fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(src, 'sub', 'file'), 'hello');
      fs.chownSync(path.join(src, 'sub', 'file'), 1000, 1001);
      fs.chmodSync(path.join(src, 'sub', 'file'), 0o4750); // after chown, which clears setuid
      fs.utimesSync(path.join(src, 'sub', 'file'), 1_600_000_000, 1_600_000_000);
      fs.symlinkSync('sub/file', path.join(src, 'link'));
      fs.linkSync(path.join(src, 'sub', 'file'), path.join(src, 'hard'));
      const archive = path.join(dir, 'a.tar');
      execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', src, '-cf', archive, '.']);
      const entries = await entriesOf(fs.createReadStream(archive));
      const byName = new Map(entries.map((e) => [e.header.name, e]));
      assert.deepEqual(entries.map((e) => e.header.name), ['./', './hard', './link', './sub/', './sub/file']);
      const hard = byName.get('./hard')!.header;
      assert.equal(byName.get('./hard')!.body, 'hello');
      assert.deepEqual([hard.type, hard.mode, hard.uid, hard.gid, hard.mtime, hard.size], ['file', 0o4750, 1000, 1001, 1_600_000_000, 5]);
      assert.deepEqual([byName.get('./link')!.header.type, byName.get('./link')!.header.linkname], ['symlink', 'sub/file']);
      assert.deepEqual([byName.get('./sub/file')!.header.type, byName.get('./sub/file')!.header.linkname], ['link', './hard']);
      assert.equal(byName.get('./sub/')!.header.type, 'directory');
    });
  }

  it('reads GNU long names, long link targets and base-256 numbers', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, longDir), { recursive: true });
    fs.writeFileSync(path.join(src, longName), 'long');
    fs.chownSync(path.join(src, longName), 3_000_000, 3_000_001); // > 0o7777777: base-256 in GNU format
    fs.symlinkSync(longTarget, path.join(src, 'sym'));
    const archive = path.join(dir, 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '-C', src, '-cf', archive, longName, 'sym']);
    const entries = await entriesOf(fs.createReadStream(archive));
    assert.deepEqual(entries.map((e) => [e.header.name, e.header.uid, e.header.gid, e.body]), [[longName, 3_000_000, 3_000_001, 'long'], ['sym', 0, 0, '']]);
    assert.equal(entries[1]!.header.linkname, longTarget);
  });

  it('reads PAX paths, link paths, big ids and SCHILY xattrs from GNU tar', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, longDir), { recursive: true });
    fs.writeFileSync(path.join(src, longName), 'pax');
    fs.chownSync(path.join(src, longName), 3_000_000, 0);
    sys.lsetxattr(path.join(src, longName), 'user.note', Buffer.from([0, 1, 2, 0x0a, 0xff]));
    fs.symlinkSync(longTarget, path.join(src, 'sym'));
    const archive = path.join(dir, 'pax.tar');
    execFileSync('tar', ['--format=posix', '--xattrs', '--xattrs-include=user.*', '-C', src, '-cf', archive, longName, 'sym']);
    const [file, sym] = await entriesOf(fs.createReadStream(archive));
    assert.deepEqual([file!.header.name, file!.header.uid, file!.body], [longName, 3_000_000, 'pax']);
    assert.deepEqual(file!.header.xattrs, { 'user.note': Buffer.from([0, 1, 2, 0x0a, 0xff]) });
    assert.equal(sym!.header.linkname, longTarget);
  });

  it('gives the same entries whatever the chunk sizes of the input', async () => {
    const bytes = await tarOf([
      [{ name: 'a', type: 'file' }, 'x'.repeat(1000)],
      [{ name: `${longName}`, type: 'file', uid: 5_000_000, xattrs: { 'user.k': Buffer.from('v') } }, 'y'.repeat(513)],
      [{ name: 'z', type: 'file' }, ''],
    ]);
    const whole = await entriesOf(chunked(bytes, bytes.length));
    for (const size of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(await entriesOf(chunked(bytes, size)), whole);
    assert.equal(whole[1]!.header.name, longName);
    assert.equal(whole[1]!.body.length, 513);
  });

  it('skips bodies that are not read, or read only in part', async () => {
    const bytes = await tarOf([[{ name: 'big', type: 'file' }, 'b'.repeat(200_000)], [{ name: 'next', type: 'file' }, 'n']]);
    const names: string[] = [];
    let first = true;
    for await (const entry of readTar(chunked(bytes, 1000))) {
      names.push(entry.header.name);
      if (first) for await (const chunk of entry.body) { assert.ok(chunk.length > 0); break; }
      first = false;
    }
    assert.deepEqual(names, ['big', 'next']);
  });

  it('applies PAX global headers to later entries, local ones winning', async () => {
    const global = Buffer.from('20 uname=globaluser\n');
    const local = Buffer.from('14 uname=mine\n');
    const bytes = Buffer.concat([
      rawHeader({ name: 'pax_global_header', typeflag: 'g', size: global.length }), rawBody(global),
      rawHeader({ name: 'a', typeflag: '0' }),
      rawHeader({ name: 'PaxHeaders/b', typeflag: 'x', size: local.length }), rawBody(local),
      rawHeader({ name: 'b', typeflag: '0' }),
      endBlocks,
    ]);
    const entries = await entriesOf(chunked(bytes));
    assert.deepEqual(entries.map((e) => [e.header.name, e.header.uname]), [['a', 'globaluser'], ['b', 'mine']]);
  });

  it('reads v7 headers, where a trailing slash marks a directory', async () => {
    const bytes = Buffer.concat([rawHeader({ name: 'old/', typeflag: '\0', magic: '' }), rawHeader({ name: 'old/f', typeflag: '\0', magic: '', size: 2 }), rawBody('hi'), endBlocks]);
    const entries = await entriesOf(chunked(bytes));
    assert.deepEqual(entries.map((e) => [e.header.name, e.header.type, e.body]), [['old/', 'directory', ''], ['old/f', 'file', 'hi']]);
  });

  it('refuses a sparse entry from GNU tar, naming it', async () => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const fd = fs.openSync(path.join(src, 'holes'), 'w');
    fs.writeSync(fd, 'end', 4 * 1024 * 1024);
    fs.closeSync(fd);
    const archive = path.join(dir, 'sparse.tar');
    execFileSync('tar', ['--format=gnu', '--sparse', '-C', src, '-cf', archive, 'holes']);
    await assert.rejects(entriesOf(fs.createReadStream(archive)), (err: Error) => err instanceof InvalidArgumentError && /'holes'.*sparse/.test(err.message));
  });

  it('refuses a header with a bad checksum, naming its offset', async () => {
    const bytes = await tarOf([[{ name: 'a', type: 'file' }, 'x'], [{ name: 'b', type: 'file' }, 'y']]);
    bytes[1024 + 10] ^= 0xff; // inside the second header
    await assert.rejects(entriesOf(chunked(bytes)), (err: Error) => err instanceof InvalidArgumentError && /offset 1024.*checksum/.test(err.message));
  });

  it('refuses archives truncated in a body or in a header', async () => {
    const bytes = await tarOf([[{ name: 'a', type: 'file' }, 'x'.repeat(3000)], [{ name: 'b', type: 'file' }, 'y']]);
    await assert.rejects(entriesOf(chunked(bytes.subarray(0, 2000))), (err: Error) => err instanceof InvalidArgumentError && /truncated.*'a'/.test(err.message));
    await assert.rejects(entriesOf(chunked(bytes.subarray(0, 512 * 7 + 100))), (err: Error) => err instanceof InvalidArgumentError && /truncated/.test(err.message));
  });

  it('ends at two zero blocks and reads the padding after them', async () => {
    const bytes = Buffer.concat([await tarOf([[{ name: 'a', type: 'file' }, 'x']]), Buffer.alloc(8192)]);
    let pulled = 0;
    const counting = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of chunked(bytes, 1000)) {
        pulled += chunk.length;
        yield chunk;
      }
    };
    assert.deepEqual((await entriesOf(counting())).map((e) => e.header.name), ['a']);
    assert.equal(pulled, bytes.length);
  });
});
