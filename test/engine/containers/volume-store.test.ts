import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { VolumeStore } from '../../../engine/containers/volume-store.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { openDatabase, type EngineDatabase } from '../../../engine/metadata/database.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('engine/containers/volume-store', () => {
  let dir: string;
  let db: EngineDatabase;
  let volumes: VolumeStore;
  beforeEach(() => {
    dir = makeTempDir('volumes');
    db = openDatabase(dir);
    volumes = new VolumeStore(db, path.join(dir, 'volumes'));
  });
  afterEach(() => {
    db.close();
    removeTempDir(dir);
  });

  it('creates, lists, inspects and removes a named volume with its data', () => {
    const v = volumes.create('data', { labels: { app: 'db' } });
    fs.writeFileSync(path.join(v.mountpoint, 'file'), 'kept');
    assert.deepEqual(volumes.list().map((x) => [x.name, x.labels]), [['data', { app: 'db' }]]);
    assert.equal(fs.readFileSync(path.join(volumes.get('data').mountpoint, 'file'), 'utf8'), 'kept');
    volumes.remove('data');
    assert.equal(fs.existsSync(v.mountpoint), false);
    assert.throws(() => volumes.get('data'), NotFoundError);
  });

  it('refuses a duplicate or malformed name, and reuses on request', () => {
    volumes.create('data');
    assert.throws(() => volumes.create('data'), AlreadyExistsError);
    assert.equal(volumes.create('data', { reuse: true }).name, 'data');
    assert.throws(() => volumes.create('../escape'), InvalidArgumentError);
    assert.throws(() => volumes.create('a/b'), InvalidArgumentError);
  });

  it('gives anonymous volumes a random 64-hex name', () => {
    assert.match(volumes.create(undefined, { anonymous: true }).name, /^[0-9a-f]{64}$/);
  });

  it('refuses to remove a volume a container uses unless forced', () => {
    volumes.create('data');
    db.prepare("INSERT INTO containers (id, name, image_id, image_ref, spec, status, created_at) VALUES ('c1', 'one', 'i', 'r', '{}', 'created', 0)").run();
    db.prepare("INSERT INTO container_volumes (container_id, volume, destination) VALUES ('c1', 'data', '/d')").run();
    assert.throws(() => volumes.remove('data'), FailedPreconditionError);
    volumes.remove('data', { force: true });
    assert.deepEqual(volumes.list(), []);
  });
});
