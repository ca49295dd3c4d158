import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { imageUsage } from '../../../engine/images/image-usage.js';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('engine/images/archive/load', () => {
  let work: string;
  let base: string;
  let app: string;
  let t: TestEngine;

  before(() => {
    work = makeTempDir('load-fixtures');
    base = path.join(work, 'base');
    makeBusyboxRootfs(base);
    app = path.join(work, 'app');
    fs.mkdirSync(path.join(app, 'srv'), { recursive: true });
    fs.writeFileSync(path.join(app, 'srv/index.html'), 'hello from layer 2\n');
  });
  after(() => removeTempDir(work));
  beforeEach(() => { t = openTestEngine('load'); });
  afterEach(() => t.destroy());

  const load = (file: string, options = {}) => loadImageArchive(t.engine, fs.createReadStream(file), options);
  const layerDirs = () => fs.readdirSync(path.join(t.dataDir, 'layers')).filter((n) => !n.startsWith('.'));

  it('loads a docker-archive that GNU tar built, keeping its ID, names and config', async () => {
    const archive = path.join(work, 'app.tar');
    const fixture = buildDockerArchive(archive, { layers: [{ dir: base }, { dir: app }], tags: ['fixture/app:1'], cmd: ['/bin/sh', '-c', 'cat /srv/index.html'], workDir: work });
    const [image] = await load(archive);
    assert.equal(image!.id, fixture.configDigest, 'image ID is the config digest, as in Docker');
    assert.deepEqual(image!.refs, ['fixture/app:1']);
    assert.deepEqual(t.engine.images.config(image!.id).config?.Cmd, ['/bin/sh', '-c', 'cat /srv/index.html']);
    const chain = t.engine.layers.chain(image!.topLayer!);
    assert.deepEqual(chain.map((l) => l.diffId), fixture.diffIds);
    assert.equal(fs.readFileSync(path.join(chain[1]!.dir, 'srv/index.html'), 'utf8'), 'hello from layer 2\n');
    assert.ok(fs.statSync(path.join(chain[0]!.dir, 'bin/busybox')).mode & 0o111);
    assert.equal(t.engine.images.resolve('fixture/app:1').id, image!.id);
  });

  it('loads gzip layers and a gzip-compressed archive', async () => {
    const archive = path.join(work, 'gz.tar');
    const fixture = buildDockerArchive(archive, { layers: [{ dir: base, gzip: true }, { dir: app }], tags: ['fixture/gz:1'], workDir: work });
    execFileSync('sh', ['-c', `gzip -c "${archive}" > "${archive}.gz"`]);
    const [image] = await load(`${archive}.gz`);
    assert.equal(image!.id, fixture.configDigest);
    assert.deepEqual(t.engine.layers.chain(image!.topLayer!).map((l) => l.diffId), fixture.diffIds);
  });

  it('stores a layer shared by two images once, and counts it once', async () => {
    const other = path.join(work, 'other');
    fs.mkdirSync(path.join(other, 'opt'), { recursive: true });
    fs.writeFileSync(path.join(other, 'opt/tool'), 'another top layer\n');
    buildDockerArchive(path.join(work, 'one.tar'), { layers: [{ dir: base }, { dir: app }], tags: ['shared/one:1'], workDir: work });
    buildDockerArchive(path.join(work, 'two.tar'), { layers: [{ dir: base }, { dir: other }], tags: ['shared/two:1'], workDir: work });
    await load(path.join(work, 'one.tar'));
    await load(path.join(work, 'two.tar'));
    assert.equal(layerDirs().length, 3, 'base once, plus one top layer each');
    const usage = imageUsage(t.engine);
    const baseSize = t.engine.layers.chain(t.engine.images.resolve('shared/one:1').topLayer!)[0]!.size;
    for (const u of usage.images) assert.equal(u.sharedSize, baseSize);
    assert.equal(usage.totalLayerBytes, usage.images.reduce((s, u) => s + u.size, 0) - baseSize);
  });

  it('loads the same archive twice without storing anything new', async () => {
    const archive = path.join(work, 'twice.tar');
    buildDockerArchive(archive, { layers: [{ dir: base }], tags: ['fixture/twice:1'], workDir: work });
    await load(archive);
    const blobs = t.engine.content.list().sort();
    const layers = layerDirs();
    await load(archive);
    assert.deepEqual(t.engine.content.list().sort(), blobs);
    assert.deepEqual(layerDirs(), layers);
    assert.equal(t.engine.images.list().length, 1);
  });

  it('refuses a layer whose content does not match the config diff ID, leaving nothing', async () => {
    const archive = path.join(work, 'mismatch.tar');
    buildDockerArchive(archive, { layers: [{ dir: base }, { dir: app }], tags: ['bad/mismatch:1'], workDir: work });
    const staging = makeTempDir('mismatch');
    execFileSync('tar', ['-C', staging, '-xf', archive]);
    const manifest = JSON.parse(fs.readFileSync(path.join(staging, 'manifest.json'), 'utf8'));
    manifest[0].Layers.reverse();
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
    execFileSync('tar', ['-C', staging, '-cf', archive, '.']);
    removeTempDir(staging);
    await assert.rejects(load(archive), (err: Error) => err instanceof InvalidArgumentError && /diff ID/.test(err.message));
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(t.engine.content.list(), []);
    assert.deepEqual(layerDirs(), []);
  });

  it('refuses an archive with a hostile layer, naming the entry and leaving no blob, layer or image', async () => {
    const hostile = path.join(work, 'hostile-layer');
    fs.mkdirSync(hostile, { recursive: true });
    fs.writeFileSync(path.join(hostile, 'evil'), 'escaped\n');
    const archive = path.join(work, 'hostile.tar');
    buildDockerArchive(archive, { layers: [{ dir: base }, { dir: app }], tags: ['bad/hostile:1'], workDir: work });
    // Swap layer 2 for one whose entry climbs out of the layer directory.
    const staging = makeTempDir('hostile');
    execFileSync('tar', ['-C', staging, '-xf', archive]);
    const manifest = JSON.parse(fs.readFileSync(path.join(staging, 'manifest.json'), 'utf8'));
    execFileSync('tar', ['-C', hostile, '-P', '--transform', 's,^\\./evil,../../evil,', '-cf', path.join(staging, manifest[0].Layers[1]), './evil']);
    execFileSync('tar', ['-C', staging, '-cf', archive, '.']);
    removeTempDir(staging);
    await assert.rejects(load(archive), (err: Error) => err instanceof InvalidArgumentError && err.message.includes('../../evil'));
    assert.equal(fs.existsSync(path.join(t.dataDir, 'evil')), false);
    assert.equal(fs.existsSync(path.join(path.dirname(t.dataDir), 'evil')), false);
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(t.engine.content.list(), []);
    assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'layers')), []);
  });

  it('refuses what is neither a docker-archive nor an OCI layout', async () => {
    const archive = path.join(work, 'plain.tar');
    execFileSync('tar', ['-C', app, '-cf', archive, '.']);
    await assert.rejects(load(archive), /neither a docker-archive/);
    assert.deepEqual(t.engine.content.list(), []);
  });

  it('loads an OCI layout that skopeo wrote, naming it from the tag annotation', async () => {
    const archive = path.join(work, 'for-oci.tar');
    const fixture = buildDockerArchive(archive, { layers: [{ dir: base }, { dir: app }], tags: ['fixture/oci:1'], workDir: work });
    const layout = path.join(work, 'layout');
    execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:v7`]);
    execFileSync('tar', ['-C', layout, '-cf', `${layout}.tar`, '.']);
    const [image] = await load(`${layout}.tar`, { name: 'fixture/oci' });
    assert.deepEqual(image!.refs, ['fixture/oci:v7']);
    assert.deepEqual(t.engine.layers.chain(image!.topLayer!).map((l) => l.diffId), fixture.diffIds);
    assert.ok(image!.manifestDigest, 'the layout manifest is kept');
  });
});
