import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../../../engine/errors.js';
import { openDatabase, type EngineDatabase } from '../../../engine/metadata/database.js';
import { isMountPoint, mountAll, mountsUnder, unmount } from '../../../engine/mount/index.js';
import { OverlaySnapshotter } from '../../../engine/snapshots/overlay/overlay-snapshotter.js';
import { MountFlags, sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Mount points under `dir` straight from /proc/self/mountinfo, independent of the code under test. */
function mountInfoLinesUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.split(' ')[4]?.startsWith(dir));
}

describe('engine/snapshots/overlay-snapshotter', () => {
  let dir: string;
  let root: string;
  let db: EngineDatabase;
  let snapshots: OverlaySnapshotter;
  let chains: Map<string, string[]>;
  let target: string;

  const layer = (name: string, files: Record<string, string>): string => {
    const layerRoot = path.join(dir, 'layers', name);
    fs.mkdirSync(layerRoot, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(layerRoot, file)), { recursive: true });
      fs.writeFileSync(path.join(layerRoot, file), content);
    }
    return layerRoot;
  };
  const snapshotDirs = (): string[] => fs.readdirSync(root).filter((n) => n !== 'empty').sort();
  const rows = (): unknown[] => db.prepare('SELECT key, id, kind, parent FROM snapshots ORDER BY key').all();

  beforeEach(() => {
    dir = fs.realpathSync(makeTempDir('snapshotter'));
    db = openDatabase(path.join(dir, 'db'));
    // l1: a plain layer. l2 on top: deletes /etc/motd (whiteout), replaces /data (opaque), adds /data/b.
    const l1 = layer('l1', { 'etc/motd': 'one\n', 'etc/hostname': 'h\n', 'data/a': 'a\n', keep: 'k\n', 'tree/x/y': 'y\n' });
    const l2 = layer('l2', { 'data/b': 'b\n' });
    fs.mkdirSync(path.join(l2, 'etc'));
    sys.mknod(path.join(l2, 'etc/motd'), fs.constants.S_IFCHR, 0, 0);
    sys.lsetxattr(path.join(l2, 'data'), 'trusted.overlay.opaque', Buffer.from('y'));
    chains = new Map([['c1', [l1]], ['c2', [l2, l1]]]);
    root = path.join(dir, 'snapshots');
    snapshots = new OverlaySnapshotter({
      root,
      db,
      layerDirs: (chain) => {
        const dirs = chains.get(chain);
        if (!dirs) throw new NotFoundError(`layer chain '${chain}' not found`);
        return dirs;
      },
    });
    target = path.join(dir, 'rootfs');
    fs.mkdirSync(target);
  });
  afterEach(() => {
    const left = mountsUnder(dir).map((m) => `${m.fsType} ${m.mountPoint}`);
    for (const m of mountsUnder(dir).reverse()) sys.umount(m.mountPoint, MountFlags.MNT_DETACH);
    db.close();
    removeTempDir(dir);
    assert.deepEqual(left, [], 'the test unmounted everything it mounted');
  });

  it('applies whiteouts and opaque dirs and sends writes to the upper dir only', async () => {
    mountAll(await snapshots.prepare('ctr', 'c2'), target);
    assert.equal(fs.existsSync(path.join(target, 'etc/motd')), false, 'deleted in layer 2');
    assert.ok(fs.existsSync(path.join(target, 'etc/hostname')));
    assert.deepEqual(fs.readdirSync(path.join(target, 'data')), ['b'], 'opaque in layer 2: only its own children');
    fs.writeFileSync(path.join(target, 'keep'), 'changed\n');
    fs.writeFileSync(path.join(target, 'new'), 'new\n');
    const upper = await snapshots.upperDir('ctr');
    assert.equal(fs.readFileSync(path.join(upper, 'keep'), 'utf8'), 'changed\n');
    assert.equal(fs.readFileSync(path.join(upper, 'new'), 'utf8'), 'new\n');
    for (const l of chains.get('c2')!) {
      assert.equal(fs.existsSync(path.join(l, 'new')), false, 'the layers are untouched');
    }
    assert.equal(fs.readFileSync(path.join(dir, 'layers/l1/keep'), 'utf8'), 'k\n');
    unmount(target);
    await snapshots.remove('ctr');
  });

  it('gives the container root the top layer root mode and owner', async () => {
    fs.chmodSync(path.join(dir, 'layers/l1'), 0o750);
    fs.chownSync(path.join(dir, 'layers/l1'), 0, 100);
    mountAll(await snapshots.prepare('ctr', 'c1'), target);
    const st = fs.statSync(target);
    assert.equal(st.mode & 0o7777, 0o750);
    assert.equal(st.gid, 100);
    unmount(target);
    await snapshots.remove('ctr');
  });

  it('mounts a snapshot with no parent over an empty lower dir', async () => {
    mountAll(await snapshots.prepare('scratch'), target);
    assert.deepEqual(fs.readdirSync(target), []);
    fs.writeFileSync(path.join(target, 'f'), 'f');
    assert.deepEqual(await snapshots.diff('scratch'), [{ kind: 'A', path: '/f' }]);
    assert.equal((await snapshots.stat('scratch')).parent, undefined);
    unmount(target);
    await snapshots.remove('scratch');
    assert.deepEqual(fs.readdirSync(path.join(root, 'empty')), [], 'the shared empty lower stays empty');
  });

  it('makes read-only views of one layer (a bind) and of several (an overlay)', async () => {
    for (const [key, chain, type] of [['one', 'c1', 'bind'], ['two', 'c2', 'overlay']] as const) {
      const mounts = await snapshots.view(key, chain);
      assert.equal(mounts[0]?.type, type);
      mountAll(mounts, target);
      assert.ok(fs.existsSync(path.join(target, 'keep')));
      assert.equal(fs.existsSync(path.join(target, 'etc/motd')), chain === 'c1');
      assert.throws(() => fs.writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' });
      assert.throws(() => fs.writeFileSync(path.join(target, 'keep'), 'x'), { code: 'EROFS' });
      unmount(target);
      await assert.rejects(snapshots.upperDir(key), FailedPreconditionError);
      await assert.rejects(snapshots.diff(key), FailedPreconditionError);
      assert.equal((await snapshots.stat(key)).kind, 'view');
      await snapshots.remove(key);
    }
  });

  it('refuses an existing key, for prepare and view, and changes nothing', async () => {
    const first = await snapshots.prepare('ctr', 'c1', { labels: { a: '1' } });
    const before = { rows: rows(), dirs: snapshotDirs(), info: await snapshots.stat('ctr') };
    await assert.rejects(snapshots.prepare('ctr', 'c2'), AlreadyExistsError);
    await assert.rejects(snapshots.view('ctr', 'c2'), AlreadyExistsError);
    assert.deepEqual({ rows: rows(), dirs: snapshotDirs(), info: await snapshots.stat('ctr') }, before);
    assert.deepEqual(await snapshots.mounts('ctr'), first);
    await snapshots.remove('ctr');
  });

  it('refuses an unknown parent before making anything', async () => {
    await assert.rejects(snapshots.prepare('ctr', 'no-such-chain'), NotFoundError);
    await assert.rejects(snapshots.view('v', 'no-such-chain'), NotFoundError);
    assert.deepEqual(rows(), []);
    assert.deepEqual(snapshotDirs(), []);
  });

  it('describes snapshots: stat, list, mounts, upperDir', async () => {
    const mounts = await snapshots.prepare('b-ctr', 'c2', { imageId: 'sha256:img', labels: { role: 'web' } });
    await snapshots.view('a-view', 'c1');
    const info = await snapshots.stat('b-ctr');
    assert.deepEqual({ ...info, createdAt: undefined }, { key: 'b-ctr', kind: 'active', parent: 'c2', imageId: 'sha256:img', labels: { role: 'web' }, createdAt: undefined });
    assert.ok(Math.abs(info.createdAt.getTime() - Date.now()) < 60_000);
    assert.deepEqual((await snapshots.list()).map((s) => s.key).sort(), ['a-view', 'b-ctr']);
    assert.deepEqual(await snapshots.mounts('b-ctr'), mounts);
    const options = mounts[0]!.options;
    assert.equal(options[0], `lowerdir=${chains.get('c2')!.join(':')}`);
    assert.ok(options.includes(`upperdir=${await snapshots.upperDir('b-ctr')}`));
    assert.ok(options.some((o) => o.startsWith('workdir=')));
    await assert.rejects(snapshots.stat('nope'), NotFoundError);
    await assert.rejects(snapshots.mounts('nope'), NotFoundError);
    await snapshots.remove('b-ctr');
    await snapshots.remove('a-view');
  });

  it('removes a mounted snapshot: no mount (wherever it is), no directory, no row', async () => {
    const mounts = await snapshots.prepare('ctr', 'c1');
    const merged = await snapshots.mountPoint('ctr');
    mountAll(mounts, merged);
    mountAll(mounts, target); // a second mount elsewhere, over the same upper dir
    assert.equal(mountInfoLinesUnder(dir).length, 2);
    await snapshots.remove('ctr');
    assert.deepEqual(mountInfoLinesUnder(dir), []);
    assert.deepEqual(snapshotDirs(), []);
    assert.deepEqual(rows(), []);
    await assert.rejects(snapshots.stat('ctr'), NotFoundError);
  });

  it('resolves when removing a key that does not exist', async () => {
    await snapshots.remove('never-made');
    await snapshots.prepare('ctr', 'c1');
    await snapshots.remove('ctr');
    await snapshots.remove('ctr');
  });

  it('lists A, C and D changes like docker diff', async () => {
    mountAll(await snapshots.prepare('ctr', 'c1'), target);
    fs.writeFileSync(path.join(target, 'added'), 'a');
    fs.writeFileSync(path.join(target, 'keep'), 'changed\n');
    fs.rmSync(path.join(target, 'etc/motd'));
    fs.rmSync(path.join(target, 'tree'), { recursive: true });
    fs.mkdirSync(path.join(target, 'srv/www'), { recursive: true });
    fs.writeFileSync(path.join(target, 'srv/www/index.html'), 'hi');
    // Removed and made again: an opaque dir in the upper; data/a existed before, data/c did not.
    fs.rmSync(path.join(target, 'data'), { recursive: true });
    fs.mkdirSync(path.join(target, 'data'));
    fs.writeFileSync(path.join(target, 'data/a'), 'again');
    fs.writeFileSync(path.join(target, 'data/c'), 'c');
    const upper = await snapshots.upperDir('ctr');
    assert.equal(sys.lgetxattr(path.join(upper, 'data'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.deepEqual((await snapshots.diff('ctr')).map((c) => `${c.kind} ${c.path}`), [
      'A /added',
      'C /data',
      'C /data/a',
      'A /data/c',
      'C /etc',
      'D /etc/motd',
      'C /keep',
      'A /srv',
      'A /srv/www',
      'A /srv/www/index.html',
      'D /tree',
    ]);
    unmount(target);
    await snapshots.remove('ctr');
  });

  it('judges changes against the merged parent: deleted or hidden there means added now', async () => {
    mountAll(await snapshots.prepare('ctr', 'c2'), target);
    fs.writeFileSync(path.join(target, 'etc/motd'), 'back'); // whited out in l2
    fs.writeFileSync(path.join(target, 'data/a'), 'back'); // hidden by l2's opaque /data
    fs.writeFileSync(path.join(target, 'data/b'), 'changed'); // l2's own
    assert.deepEqual((await snapshots.diff('ctr')).map((c) => `${c.kind} ${c.path}`), [
      'C /data', 'A /data/a', 'C /data/b', 'C /etc', 'A /etc/motd',
    ]);
    unmount(target);
    await snapshots.remove('ctr');
  });

  it('mounts a snapshot over 70 layers whose lowerdir list is longer than a page', async function () {
    const [major = 0, minor = 0] = os.release().split('.').map((n) => parseInt(n, 10));
    if (major < 6 || (major === 6 && minor < 8)) {
      // The addon falls back to fsconfig's lowerdir+ for such lists, which Linux added in 6.8.
      this.skip();
    }
    const deep: string[] = [];
    for (let i = 0; i < 70; i++) deep.unshift(layer(`${'long-layer-directory-name-'.repeat(3)}${i}`, { [`f${i}`]: `${i}`, shared: `${i}` }));
    chains.set('deep', deep);
    const mounts = await snapshots.prepare('deep', 'deep');
    assert.ok(mounts[0]!.options.join(',').length > 4096, 'the mount data is longer than a page');
    mountAll(mounts, target);
    assert.equal(fs.readdirSync(target).length, 71);
    assert.equal(fs.readFileSync(path.join(target, 'shared'), 'utf8'), '69', 'the top-most layer wins');
    fs.writeFileSync(path.join(target, 'f0'), 'changed');
    assert.deepEqual(await snapshots.diff('deep'), [{ kind: 'C', path: '/f0' }]);
    await snapshots.remove('deep');
    assert.equal(isMountPoint(target), false);
  });

  it('cleans up what a crash left and leaves real snapshots alone', async () => {
    const realMounts = await snapshots.prepare('real', 'c1');
    const realDirs = snapshotDirs();
    // A snapshot renamed into place whose row never committed, still mounted.
    const orphan = path.join(root, 'deadbeef0000');
    fs.mkdirSync(path.join(orphan, 'merged'), { recursive: true });
    mountAll([{ type: 'bind', source: path.join(dir, 'layers/l1'), options: ['bind', 'ro'] }], path.join(orphan, 'merged'));
    // Temp dirs: of a dead process, of this one (not in progress), and of a live one (pid 1).
    for (const name of ['.tmp-999999999-aaaa', `.tmp-${process.pid}-bbbb`, '.tmp-1-cccc']) fs.mkdirSync(path.join(root, name, 'upper'), { recursive: true });
    assert.deepEqual((await snapshots.cleanup()).sort(), [`.tmp-${process.pid}-bbbb`, '.tmp-999999999-aaaa', 'deadbeef0000']);
    assert.deepEqual(mountInfoLinesUnder(root), []);
    assert.deepEqual(snapshotDirs(), ['.tmp-1-cccc', ...realDirs].sort());
    assert.deepEqual((await snapshots.list()).map((s) => s.key), ['real']);
    mountAll(realMounts, target);
    assert.ok(fs.existsSync(path.join(target, 'keep')), 'the real snapshot still mounts');
    unmount(target);
    await snapshots.remove('real');
  });
});
