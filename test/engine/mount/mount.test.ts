import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { isMountPoint, mountAll, mountsUnder, unmount } from '../../../engine/mount/index.js';
import { MountFlags, sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/mount', () => {
  let dir: string;
  let target: string;

  const makeDir = (name: string, files: Record<string, string> = {}): string => {
    const root = path.join(dir, name);
    fs.mkdirSync(root, { recursive: true });
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(root, file), content);
    return root;
  };

  beforeEach(() => {
    dir = fs.realpathSync(makeTempDir('mount'));
    target = makeDir('target');
  });
  afterEach(() => {
    const left = mountsUnder(dir).map((m) => m.mountPoint);
    for (const m of left.reverse()) sys.umount(m, MountFlags.MNT_DETACH);
    removeTempDir(dir);
    assert.deepEqual(left, [], 'the test unmounted everything it mounted');
  });

  it('mounts an overlay from lowerdir=a:b, upperdir and workdir, top-most lower first', () => {
    const top = makeDir('top', { shared: 'top\n', 'only-top': 't' });
    const bottom = makeDir('bottom', { shared: 'bottom\n', 'only-bottom': 'b' });
    const upper = makeDir('upper');
    const work = makeDir('work');
    mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${top}:${bottom}`, `upperdir=${upper}`, `workdir=${work}`, 'index=off'] }], target);
    assert.ok(isMountPoint(target));
    assert.deepEqual(fs.readdirSync(target).sort(), ['only-bottom', 'only-top', 'shared']);
    assert.equal(fs.readFileSync(path.join(target, 'shared'), 'utf8'), 'top\n');
    fs.writeFileSync(path.join(target, 'new'), 'n');
    assert.deepEqual(fs.readdirSync(upper), ['new']);
    const info = mountsUnder(target)[0]!;
    assert.equal(info.fsType, 'overlay');
    assert.ok(info.superOptions.includes(`upperdir=${upper}`));
    unmount(target);
    assert.equal(isMountPoint(target), false);
  });

  it('makes an overlay read-only with ro, and a lowers-only overlay is read-only by itself', () => {
    const a = makeDir('a', { f: 'a' });
    const b = makeDir('b', { g: 'b' });
    for (const options of [[`lowerdir=${a}:${b}`, 'ro'], [`lowerdir=${a}:${b}`]]) {
      mountAll([{ type: 'overlay', source: 'overlay', options }], target);
      assert.deepEqual(fs.readdirSync(target).sort(), ['f', 'g']);
      assert.throws(() => fs.writeFileSync(path.join(target, 'x'), 'x'), { code: 'EROFS' });
      unmount(target);
    }
  });

  it('bind-mounts read-only, which a st_dev comparison could not see as a mount point', () => {
    const source = makeDir('source', { f: 'f' });
    mountAll([{ type: 'bind', source, options: ['bind', 'ro'] }], target);
    assert.equal(fs.statSync(target).dev, fs.statSync(dir).dev, 'same filesystem as its parent');
    assert.ok(isMountPoint(target));
    assert.equal(fs.readFileSync(path.join(target, 'f'), 'utf8'), 'f');
    assert.throws(() => fs.writeFileSync(path.join(target, 'f'), 'x'), { code: 'EROFS' });
    unmount(target);
    assert.equal(isMountPoint(target), false);
  });

  it('mounts tmpfs with flags and data, and reads back paths the kernel escapes', () => {
    const spaced = makeDir('with space\tand tab');
    mountAll([{ type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=0750'] }], spaced);
    const [info] = mountsUnder(spaced);
    assert.equal(info?.mountPoint, spaced);
    assert.equal(info?.fsType, 'tmpfs');
    assert.ok(info?.superOptions.includes('size=1024k'));
    assert.equal(fs.statSync(spaced).mode & 0o7777, 0o750);
    assert.ok(isMountPoint(spaced));
    unmount(spaced);
  });

  it('stacks mounts in order and undoes the ones it made when a later one fails', () => {
    const source = makeDir('source', { f: 'f' });
    const missing = path.join(dir, 'no-such-layer');
    assert.throws(
      () => mountAll([
        { type: 'bind', source, options: ['bind'] },
        { type: 'overlay', source: 'overlay', options: [`lowerdir=${missing}:${source}`] },
      ], target),
      { code: 'ENOENT' },
    );
    assert.equal(isMountPoint(target), false);
    assert.throws(() => mountAll([{ type: 'overlay', source: 'overlay', options: ['ro'] }], target), InvalidArgumentError);
    assert.throws(() => mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${source}`, `upperdir=${source}`] }], target), InvalidArgumentError);
  });

  it('unmount tolerates a path with nothing mounted, and one that does not exist', () => {
    unmount(target);
    unmount(path.join(dir, 'gone'));
    assert.equal(isMountPoint(target), false);
  });

  it('detaches a busy mount lazily so that it leaves the tree at once', () => {
    mountAll([{ type: 'tmpfs', source: 'tmpfs', options: [] }], target);
    fs.writeFileSync(path.join(target, 'held'), 'x');
    const fd = fs.openSync(path.join(target, 'held'), 'r');
    try {
      assert.throws(() => sys.umount(target, 0), { code: 'EBUSY' });
      unmount(target);
      assert.equal(isMountPoint(target), false);
      assert.equal(fs.readFileSync(fd, 'utf8'), 'x', 'the open file still works after the detach');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('lists mounts below a directory and overlays using directories in it', () => {
    const layer = makeDir('layer', { f: 'f' });
    const state = makeDir('state');
    fs.mkdirSync(path.join(state, 'upper'));
    fs.mkdirSync(path.join(state, 'work'));
    mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${layer}`, `upperdir=${state}/upper`, `workdir=${state}/work`] }], target);
    assert.deepEqual(mountsUnder(state), [], 'nothing is mounted inside state');
    assert.deepEqual(mountsUnder(state, true).map((m) => m.mountPoint), [target], 'but the overlay on target uses it');
    unmount(target);
    assert.deepEqual(mountsUnder(state, true), []);
  });
});
