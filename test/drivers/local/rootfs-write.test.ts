import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { existsInRoot, writeFileInRoot } from '../../../drivers/local/rootfs-write.js';
import { listTree } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('drivers/local/rootfs-write', () => {
  let work: string;
  let rootfs: string;
  let outside: string;

  beforeEach(() => {
    work = fs.realpathSync(makeTempDir('rootfs-write'));
    rootfs = path.join(work, 'rootfs');
    outside = path.join(work, 'outside');
    fs.mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
    fs.mkdirSync(path.join(rootfs, 'usr/bin'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'victim'), 'original');
    fs.writeFileSync(path.join(rootfs, 'usr/bin/dash'), '#!');
    fs.symlinkSync(outside, path.join(rootfs, 'abs-link'));
    fs.symlinkSync('../../outside', path.join(rootfs, 'rel-link'));
    fs.symlinkSync(path.join(outside, 'victim'), path.join(rootfs, 'etc/file-link'));
    fs.symlinkSync('/usr/bin/dash', path.join(rootfs, 'etc/sh'));
    execFileSync('mkfifo', [path.join(rootfs, 'etc/fifo')]);
    fs.writeFileSync(path.join(rootfs, 'etc/plain'), 'not a directory');
  });
  afterEach(() => removeTempDir(work));

  it('writes files with their modes, creating directories', () => {
    writeFileInRoot(rootfs, '/root/.ssh/authorized_keys', Buffer.from('key\n'), 0o600);
    writeFileInRoot(rootfs, '//etc/./motd', Buffer.from('hi'), 0o644);
    assert.equal(fs.readFileSync(path.join(rootfs, 'root/.ssh/authorized_keys'), 'utf8'), 'key\n');
    assert.equal(fs.statSync(path.join(rootfs, 'root/.ssh/authorized_keys')).mode & 0o7777, 0o600);
    assert.equal(fs.statSync(path.join(rootfs, 'root/.ssh')).mode & 0o777, 0o755);
    assert.equal(fs.readFileSync(path.join(rootfs, 'etc/motd'), 'utf8'), 'hi');
    writeFileInRoot(rootfs, '/etc/motd', Buffer.from('again'), 0o640);
    assert.equal(fs.readFileSync(path.join(rootfs, 'etc/motd'), 'utf8'), 'again', 'an existing file is replaced');
    assert.equal(fs.statSync(path.join(rootfs, 'etc/motd')).mode & 0o7777, 0o640);
  });

  const refused: Array<[string, string, RegExp]> = [
    ['relative', 'etc/x', /must be absolute/],
    ['dot-dot', '/etc/../../outside/victim', /contains '\.\.'/],
    ['NUL', '/etc/a\0b', /NUL/],
    ['empty name', '/', /names no file/],
    ['absolute symlink dir', '/abs-link/victim', /symlink 'abs-link'/],
    ['relative symlink dir', '/rel-link/new', /symlink 'rel-link'/],
    ['symlinked file', '/etc/file-link', /names an existing symlink/],
    ['fifo', '/etc/fifo', /non-regular/],
    ['file as directory', '/etc/plain/x', /not a directory/],
    ['directory as file', '/etc', /non-regular/],
    ['long component', `/${'a'.repeat(256)}`, /longer than 255/],
  ];
  for (const [what, file, message] of refused) {
    it(`refuses ${what} and writes nothing`, () => {
      const before = listTree(rootfs);
      assert.throws(() => writeFileInRoot(rootfs, file, Buffer.from('pwned'), 0o644), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
      assert.deepEqual(listTree(rootfs), before);
      assert.deepEqual(fs.readdirSync(outside), ['victim']);
      assert.equal(fs.readFileSync(path.join(outside, 'victim'), 'utf8'), 'original');
    });
  }

  it('refuses a mode out of range', () => {
    assert.throws(() => writeFileInRoot(rootfs, '/etc/x', Buffer.from(''), 0o10000), InvalidArgumentError);
    assert.equal(fs.existsSync(path.join(rootfs, 'etc/x')), false);
  });

  it('judges existence by the image, following symlinks as if the rootfs were /', () => {
    assert.equal(existsInRoot(rootfs, '/etc/sh'), true, 'an absolute link resolves inside the rootfs');
    assert.equal(existsInRoot(rootfs, '/abs-link/victim'), false, 'a link to a host path does not reach the host');
    assert.equal(existsInRoot(rootfs, '/rel-link/victim'), false, 'dot-dot stops at the rootfs');
    assert.equal(existsInRoot(rootfs, '/usr/bin/dash'), true);
    assert.equal(existsInRoot(rootfs, '/bin/sh'), false);
    fs.symlinkSync('loop', path.join(rootfs, 'loop'));
    assert.equal(existsInRoot(rootfs, '/loop'), false);
  });
});
