import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { collectGarbage, pruneImages } from '../../../engine/images/garbage-collector.js';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('engine/images/garbage-collector', () => {
  let work: string;
  let t: TestEngine;

  before(() => {
    work = makeTempDir('gc-fixtures');
    const base = path.join(work, 'base');
    makeBusyboxRootfs(base);
    const v1 = path.join(work, 'v1');
    fs.mkdirSync(v1);
    fs.writeFileSync(path.join(v1, 'VERSION'), '1\n');
    const v2 = path.join(work, 'v2');
    fs.mkdirSync(v2);
    fs.writeFileSync(path.join(v2, 'VERSION'), '2\n');
    buildDockerArchive(path.join(work, 'v1.tar'), { layers: [{ dir: base }, { dir: v1 }], tags: ['gc/app:latest'], workDir: work });
    buildDockerArchive(path.join(work, 'v2.tar'), { layers: [{ dir: base }, { dir: v2 }], tags: ['gc/app:latest'], workDir: work });
  });
  after(() => removeTempDir(work));
  beforeEach(() => { t = openTestEngine('gc'); });
  afterEach(() => t.destroy());

  const load = (name: string) => loadImageArchive(t.engine, fs.createReadStream(path.join(work, name)));

  it('prune removes the image a re-tag left dangling and only its own layer', async () => {
    const [old] = await load('v1.tar');
    const [current] = await load('v2.tar');
    assert.deepEqual(t.engine.images.get(old!.id).refs, [], 'moving the tag leaves the old image dangling');
    const report = pruneImages(t.engine.images, t.engine);
    assert.deepEqual(report.images, [old!.id]);
    assert.equal(report.layers.length, 1, 'the shared base layer stays');
    assert.ok(report.reclaimedBytes > 0);
    assert.deepEqual(t.engine.images.list().map((i) => i.id), [current!.id]);
    assert.equal(fs.readdirSync(path.join(t.dataDir, 'layers')).length, 2);
  });

  it('prune -a removes every unused image and leaves an empty store', async () => {
    await load('v1.tar');
    pruneImages(t.engine.images, t.engine, { all: true });
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(t.engine.content.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'layers')), []);
  });

  it('keeps blobs a live process has leased, and frees them once the lease is gone', async () => {
    const lease = t.engine.lease();
    const blob = await t.engine.content.write(Buffer.from('in flight'), { hold: (d) => lease.add(`blob:${d}`) });
    assert.deepEqual(collectGarbage(t.engine).blobs, []);
    assert.ok(t.engine.content.has(blob.digest));
    lease.release();
    assert.deepEqual(collectGarbage(t.engine).blobs, [blob.digest]);
  });

  it('treats the lease of a dead process as void', async () => {
    const blob = await t.engine.content.write(Buffer.from('orphan'));
    t.engine.db.prepare('INSERT INTO leases (resource, pid, created_at) VALUES (?, ?, ?)').run(`blob:${blob.digest}`, 999999999, Date.now());
    assert.deepEqual(collectGarbage(t.engine).blobs, [blob.digest]);
    assert.deepEqual(t.engine.db.prepare('SELECT COUNT(*) AS n FROM leases').get(), { n: 0 }, 'the dead lease is deleted');
  });
});
