import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, NotFoundError } from '../../../engine/errors.js';
import { openDatabase, type EngineDatabase } from '../../../engine/metadata/database.js';
import { mountAll, mountsUnder, unmount } from '../../../engine/mount/index.js';
import { OverlaySnapshotter } from '../../../engine/snapshots/overlay/overlay-snapshotter.js';
import { sys } from '../../../engine/sys/index.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/snapshots/overlay-snapshotter', () => {
  let dir: string;
  let db: EngineDatabase;
  let snapshots: OverlaySnapshotter;
  let chains: Map<string, string[]>;
  let target: string;

  const layer = (name: string, files: Record<string, string>): string => {
    const root = path.join(dir, 'layers', name);
    fs.mkdirSync(root, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    return root;
  };

  beforeEach(() => {
    dir = makeTempDir('snapshotter');
    db = openDatabase(path.join(dir, 'db'));
    const l1 = layer('l1', { 'etc/motd': 'one\n', 'data/a': 'a\n', 'keep': 'k\n' });
    const l2 = layer('l2', { 'data/b': 'b\n' });
    fs.mkdirSync(path.join(l2, 'etc'));
    sys.mknod(path.join(l2, 'etc/motd'), fs.constants.S_IFCHR, 0, 0);
    sys.lsetxattr(path.join(l2, 'data'), 'trusted.overlay.opaque', Buffer.from('y'));
    chains = new Map([['c1', [l1]], ['c2', [l2, l1]]]);
    snapshots = new OverlaySnapshotter({
      root: path.join(dir, 'snapshots'),
      db,
      layerDirs: (chain) => {
        const dirs = chains.get(chain);
        if (!dirs) throw new NotFoundError(`layer '${chain}' not found`);
        return dirs;
      },
    });
    target = path.join(dir, 'rootfs');
    fs.mkdirSync(target);
  });
  afterEach(() => {
    for (const m of mountsUnder(dir).reverse()) unmount(m);
    db.close();
    removeTempDir(dir);
  });

  it('applies whiteouts and opaque dirs and sends writes to the upper dir only', async () => {
    mountAll(await snapshots.prepare('ctr', 'c2'), target);
    assert.equal(fs.existsSync(path.join(target, 'etc/motd')), false);
    assert.deepEqual(fs.readdirSync(path.join(target, 'data')), ['b']);
    fs.writeFileSync(path.join(target, 'keep'), 'changed\n');
    assert.equal(fs.readFileSync(path.join(dir, 'layers/l1/keep'), 'utf8'), 'k\n', 'the layer is untouched');
    assert.equal(fs.readFileSync(path.join(await snapshots.upperDir('ctr'), 'keep'), 'utf8'), 'changed\n');
  });

  it('makes read-only views of one layer and of several', async () => {
    for (const [key, chain] of [['one', 'c1'], ['two', 'c2']] as const) {
      mountAll(await snapshots.view(key, chain), target);
      assert.ok(fs.existsSync(path.join(target, 'keep')));
      assert.throws(() => fs.writeFileSync(path.join(target, 'new'), 'x'), { code: 'EROFS' });
      unmount(target);
    }
  });

  it('refuses an existing key and an unknown parent, changing nothing', async () => {
    await snapshots.prepare('ctr', 'c1');
    await assert.rejects(snapshots.prepare('ctr', 'c2'), AlreadyExistsError);
    await assert.rejects(snapshots.prepare('other', 'no-such-chain'), NotFoundError);
    assert.deepEqual((await snapshots.list()).map((s) => [s.key, s.parent]), [['ctr', 'c1']]);
    assert.equal(fs.readdirSync(path.join(dir, 'snapshots')).filter((n) => n !== 'empty').length, 1);
  });

  it('removes a mounted snapshot: no mount, no directory, no row; a second remove resolves', async () => {
    const mounts = await snapshots.prepare('ctr', 'c1', { labels: { a: 'b' } });
    const mergedDir = await snapshots.mountPoint('ctr');
    mountAll(mounts, mergedDir);
    assert.deepEqual((await snapshots.stat('ctr')).labels, { a: 'b' });
    await snapshots.remove('ctr');
    assert.deepEqual(mountsUnder(dir), []);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'snapshots')), ['empty']);
    await assert.rejects(snapshots.stat('ctr'), NotFoundError);
    await snapshots.remove('ctr');
  });

  it('lists A/C/D changes like docker diff', async () => {
    mountAll(await snapshots.prepare('ctr', 'c1'), target);
    fs.writeFileSync(path.join(target, 'keep'), 'changed\n');
    fs.rmSync(path.join(target, 'etc/motd'));
    fs.rmSync(path.join(target, 'data'), { recursive: true });
    fs.mkdirSync(path.join(target, 'srv/www'), { recursive: true });
    fs.writeFileSync(path.join(target, 'srv/www/index.html'), 'hi');
    assert.deepEqual((await snapshots.diff('ctr')).map((c) => `${c.kind} ${c.path}`), [
      'D /data', 'C /etc', 'D /etc/motd', 'C /keep', 'A /srv', 'A /srv/www', 'A /srv/www/index.html',
    ]);
  });

  it('mounts a snapshot over more layers than one page of mount options holds', async () => {
    const deep: string[] = [];
    for (let i = 0; i < 70; i++) deep.unshift(layer(`${'long-layer-directory-name-'.repeat(2)}${i}`, { [`f${i}`]: `${i}` }));
    chains.set('deep', deep);
    assert.ok(deep.join(':').length > 4096, 'the lowerdir list is longer than a page');
    mountAll(await snapshots.prepare('deep', 'deep'), target);
    assert.equal(fs.readdirSync(target).length, 70);
  });

  it('cleans up what a crash left and keeps real snapshots', async () => {
    await snapshots.prepare('real', 'c1');
    const orphan = path.join(dir, 'snapshots', 'deadbeef0000');
    fs.mkdirSync(path.join(orphan, 'merged'), { recursive: true });
    mountAll([{ type: 'bind', source: path.join(dir, 'layers/l1'), options: ['rbind', 'ro'] }], path.join(orphan, 'merged'));
    fs.mkdirSync(path.join(dir, 'snapshots', '.tmp-999999999-abc'));
    assert.deepEqual((await snapshots.cleanup()).sort(), ['.tmp-999999999-abc', 'deadbeef0000']);
    assert.deepEqual(mountsUnder(orphan), []);
    assert.deepEqual((await snapshots.list()).map((s) => s.key), ['real']);
  });
});
