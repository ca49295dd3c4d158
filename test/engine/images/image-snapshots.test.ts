import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { commitSnapshot } from '../../../engine/images/commit-snapshot.js';
import { collectGarbage } from '../../../engine/images/garbage-collector.js';
import type { ImageRecord } from '../../../engine/images/image-store.js';
import { FailedPreconditionError } from '../../../engine/errors.js';
import { mountAll, unmount } from '../../../engine/mount/index.js';
import { buildDockerArchive, makeWhiteoutLayers } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder, openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('images on overlay snapshots: mount, commit, rmi', () => {
  let work: string;
  let t: TestEngine;
  let image: ImageRecord;
  let rootfs: string;

  before(() => {
    work = makeTempDir('image-snapshots');
    const { base, top } = makeWhiteoutLayers(work);
    buildDockerArchive(path.join(work, 'img.tar'), { layers: [{ dir: base }, { dir: top }], tags: ['fixture/snap:1'], workDir: work });
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    t = openTestEngine('image-snapshots');
    [image] = (await loadImageArchive(t.engine, fs.createReadStream(path.join(work, 'img.tar')))) as [ImageRecord];
    rootfs = path.join(t.dataDir, 'rootfs');
    fs.mkdirSync(rootfs);
  });
  afterEach(() => {
    if (mountsUnder(rootfs).length > 0) unmount(rootfs);
    t.destroy();
  });

  it('mounts an image with its whiteouts and opaque dirs applied, as Docker does', async () => {
    mountAll(await t.engine.snapshots.prepare('ctr', image.topLayer, { imageId: image.id }), rootfs);
    assert.ok(fs.existsSync(path.join(rootfs, 'bin/busybox')));
    assert.equal(fs.existsSync(path.join(rootfs, 'etc/motd')), false, 'a file deleted in layer 2 is absent');
    assert.deepEqual(fs.readdirSync(path.join(rootfs, 'data')), ['new'], 'an opaque dir shows only its own layer');
  });

  it('commits a container change set to a new image whose mount shows it', async () => {
    mountAll(await t.engine.snapshots.prepare('ctr', image.topLayer, { imageId: image.id }), rootfs);
    fs.writeFileSync(path.join(rootfs, 'etc/hostname'), 'changed\n');
    fs.rmSync(path.join(rootfs, 'bin/echo'));
    fs.mkdirSync(path.join(rootfs, 'srv'));
    fs.writeFileSync(path.join(rootfs, 'srv/added'), 'new file\n');
    assert.deepEqual(
      (await t.engine.snapshots.diff('ctr')).map((c) => `${c.kind} ${c.path}`),
      ['C /bin', 'D /bin/echo', 'C /etc', 'C /etc/hostname', 'A /srv', 'A /srv/added'],
    );
    unmount(rootfs);
    const committed = await commitSnapshot(t.engine, 'ctr', { ref: 'fixture/committed:1', changes: ['CMD ["cat", "/srv/added"]'], message: 'by test' });
    const config = t.engine.images.config(committed.id);
    assert.deepEqual(config.config?.Cmd, ['cat', '/srv/added']);
    assert.equal(config.rootfs.diff_ids.length, 3);
    assert.equal(config.history?.at(-1)?.comment, 'by test');

    mountAll(await t.engine.snapshots.view('check', committed.topLayer!), rootfs);
    assert.equal(fs.readFileSync(path.join(rootfs, 'etc/hostname'), 'utf8'), 'changed\n');
    assert.equal(fs.readFileSync(path.join(rootfs, 'srv/added'), 'utf8'), 'new file\n');
    assert.equal(fs.existsSync(path.join(rootfs, 'bin/echo')), false, 'the deletion became a whiteout');
    assert.equal(fs.existsSync(path.join(rootfs, 'etc/motd')), false);
  });

  it('refuses rmi of an image a snapshot uses, untags with -f, and frees it once the snapshot is gone', async () => {
    await t.engine.snapshots.prepare('ctr', image.topLayer, { imageId: image.id });
    assert.throws(() => t.engine.images.remove('fixture/snap:1'), (err: Error) => err instanceof FailedPreconditionError && /in use by container ctr/.test(err.message));
    assert.deepEqual(t.engine.images.resolve(image.id).refs, ['fixture/snap:1'], 'a refused rmi changes nothing');
    const forced = t.engine.images.remove('fixture/snap:1', { force: true });
    assert.deepEqual(forced, { untagged: ['fixture/snap:1'] });
    assert.equal(collectGarbage(t.engine).layers.length, 0, 'layers under a live snapshot are kept');
    await t.engine.snapshots.remove('ctr');
    assert.deepEqual(t.engine.images.remove(image.id), { untagged: [], deleted: image.id });
    const report = collectGarbage(t.engine);
    assert.equal(report.layers.length, 2);
    assert.deepEqual(t.engine.content.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'layers')), []);
  });
});
