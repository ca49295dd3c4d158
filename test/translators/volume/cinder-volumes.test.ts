import assert from 'node:assert/strict';
import path from 'node:path';
import { VolumeStore } from '../../../engine/containers/volume-store.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { openDatabase, type EngineDatabase } from '../../../engine/metadata/database.js';
import { CinderVolumes, mountPathFor } from '../../../translators/volume/cinder-volumes.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder } from '../../helpers/test-engine.js';

describe('translators/volume/cinder-volumes', () => {
  let dir: string;
  let db: EngineDatabase;
  let engineVolumes: VolumeStore;
  let cinder: CinderVolumes;
  beforeEach(() => {
    dir = makeTempDir('cinder-volumes');
    db = openDatabase(dir);
    engineVolumes = new VolumeStore(db, path.join(dir, 'volumes'));
    cinder = new CinderVolumes(engineVolumes);
  });
  afterEach(() => {
    for (const v of engineVolumes.list()) engineVolumes.remove(v.name, { force: true });
    db.close();
    assert.deepEqual(mountsUnder(dir), [], 'no volume stays mounted');
    removeTempDir(dir);
  });

  it('maps device names to mount paths and refuses what is neither', () => {
    assert.equal(mountPathFor('/dev/vdb'), '/mnt/vdb');
    assert.equal(mountPathFor('/dev/xvdc'), '/mnt/xvdc');
    assert.equal(mountPathFor('/srv/data'), '/srv/data');
    for (const bad of ['vdb', '/dev/', '/dev/a/b', '/srv/../etc', '']) assert.throws(() => mountPathFor(bad), InvalidArgumentError, bad);
  });

  it('keeps a volume per project with its fields, updates them, and deletes it with its data', () => {
    const v = cinder.create('p1', { size: 1, name: 'data', description: 'd', metadata: { a: 'b' } });
    assert.deepEqual([v.size, v.status, v.name, v.description, v.metadata, v.engineVolume], [1, 'available', 'data', 'd', { a: 'b' }, `volume-${v.id}`]);
    assert.equal(engineVolumes.get(v.engineVolume).sizeBytes, 1024 ** 3);
    assert.deepEqual(cinder.list('p1').map((x) => x.id), [v.id]);
    assert.deepEqual(cinder.list('p2'), []);
    assert.throws(() => cinder.get(v.id, 'p2'), NotFoundError, 'another project does not see it');
    assert.equal(cinder.update(v.id, { name: 'renamed', metadata: {} }).name, 'renamed');
    cinder.delete(v.id);
    cinder.delete(v.id);
    assert.deepEqual(engineVolumes.list(), []);
  });

  it('refuses bad sizes, an image, non-string metadata and a second attachment, creating nothing', () => {
    for (const size of [0, -1, 1.5, Number.NaN, 1025]) assert.throws(() => cinder.create('p', { size }), InvalidArgumentError, String(size));
    assert.throws(() => cinder.create('p', { size: 1, imageRef: 'img' }), /not supported/);
    assert.throws(() => cinder.create('p', { size: 1, metadata: { n: 1 as unknown as string } }), InvalidArgumentError);
    assert.deepEqual(engineVolumes.list(), []);
    assert.throws(() => cinder.get('not-a-uuid'), NotFoundError);

    const v = cinder.create('p', { size: 1 });
    db.prepare("INSERT INTO containers (id, name, image_id, image_ref, spec, status, created_at) VALUES ('c1', 'one', 'i', 'r', '{}', 'running', 0)").run();
    engineVolumes.addUse('c1', v.engineVolume, '/mnt/vdb');
    cinder.recordAttachment(v.id, { serverId: 's1', device: '/dev/vdb', mountPath: '/mnt/vdb' });
    assert.equal(cinder.get(v.id).status, 'in-use');
    assert.throws(() => cinder.checkAttachable(v.id), FailedPreconditionError);
    assert.throws(() => cinder.delete(v.id), /attached to server s1/);
    assert.equal(cinder.nextDevice('s1'), '/dev/vdc');
    // The container (server) goes: the attachment ends with it.
    db.prepare("DELETE FROM containers WHERE id = 'c1'").run();
    assert.equal(cinder.get(v.id).status, 'available');
    assert.equal(cinder.nextDevice('s1'), '/dev/vdb');
  });
});
