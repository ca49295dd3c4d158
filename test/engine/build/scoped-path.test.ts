import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { writeEntry } from '../../../engine/build/rootfs-writer.js';
import { escapesRoot, resolveInRoot } from '../../../engine/build/scoped-path.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/build/scoped-path and rootfs-writer', () => {
  let dir: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    dir = makeTempDir('build-scoped-path');
    root = path.join(dir, 'root');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    fs.mkdirSync(outside);
    fs.symlinkSync('usr/bin', path.join(root, 'bin'));
    fs.symlinkSync(outside, path.join(root, 'abs-out'));
    fs.symlinkSync('../../../..', path.join(root, 'usr/up'));
    fs.symlinkSync('loop2', path.join(root, 'loop1'));
    fs.symlinkSync('loop1', path.join(root, 'loop2'));
  });
  afterEach(() => removeTempDir(dir));

  // Breakouts, as containerd's TestBreakouts: each resolves inside the root.
  const cases: [string, string][] = [
    ['/bin/sh', 'usr/bin/sh'],
    ['/usr/up/etc/passwd', 'etc/passwd'],
    ['/../../etc/passwd', 'etc/passwd'],
    ['usr/../../x', 'x'],
  ];
  for (const [inside, expected] of cases) {
    it(`${inside} stays inside the root`, () => {
      const resolved = resolveInRoot(root, inside);
      assert.equal(path.relative(root, resolved), expected);
    });
  }

  it('an absolute symlink target restarts at the root', () => {
    assert.equal(path.relative(root, resolveInRoot(root, '/abs-out/file')), path.join(outside.slice(1), 'file'));
  });

  it('refuses symlink loops and recognises sources that climb out', () => {
    assert.throws(() => resolveInRoot(root, '/loop1/x'), /too many levels of symbolic links/);
    assert.deepEqual(['../x', 'a/../../x', '..', 'a/../b', '/x'].map(escapesRoot), [true, true, true, false, false]);
  });

  it('writes through image symlinks only inside the root, and replaces a planted symlink instead of writing through it', () => {
    const source = path.join(dir, 'payload');
    fs.writeFileSync(source, 'payload');
    const entry = { source, target: '', kind: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) };
    writeEntry(root, '/abs-out/planted', entry, 'keep');
    writeEntry(root, '/bin/tool', entry, 'keep');
    fs.symlinkSync(path.join(outside, 'victim'), path.join(root, 'usr/bin/victim'));
    writeEntry(root, '/bin/victim', entry, 'keep');
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.equal(fs.readFileSync(path.join(root, outside, 'planted'), 'utf8'), 'payload');
    assert.equal(fs.readFileSync(path.join(root, 'usr/bin/tool'), 'utf8'), 'payload');
    assert.ok(fs.lstatSync(path.join(root, 'usr/bin/victim')).isFile());
  });
});
