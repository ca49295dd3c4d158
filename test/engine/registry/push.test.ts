import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { digestOf } from '../../../engine/content/digest.js';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { loadEngineConfig } from '../../../engine/config.js';
import { Engine } from '../../../engine/engine.js';
import { pullImage } from '../../../engine/registry/pull.js';
import { pushImage } from '../../../engine/registry/push.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { type RegistryProxy, startRegistryProxy } from '../../helpers/registry-proxy.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { type FixtureImage, fixtureImage, rawManifest } from './registry-fixture.js';

describe('engine/registry/push against docker-registry', () => {
  let work: string;
  let registry: RegistryPeer;
  let proxy: RegistryProxy;
  let image: FixtureImage;
  let t: TestEngine;

  before(async () => {
    work = makeTempDir('push-fixtures');
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.host);
    image = fixtureImage(work, 'pushed');
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(async () => {
    t = openTestEngine('push');
    await loadImageArchive(t.engine, fs.createReadStream(image.archive));
    proxy.seen.length = 0;
    proxy.intercept = undefined;
  });
  afterEach(() => t.destroy());

  const uploads = (): string[] => proxy.seen.filter((r) => r.url.includes('/blobs/uploads/') && r.method !== 'POST').map((r) => `${r.method} ${r.url.split('?')[0]}`);

  it('pushes a loaded image, which pulls back into a fresh store with the same image ID', async () => {
    t.engine.images.tag('fixture/pushed:latest', `${proxy.host}/team/app:1`);
    const result = await pushImage(t.engine, `${proxy.host}/team/app:1`);
    assert.equal(result.tag, '1');
    assert.equal(result.uploaded, 3, 'config and both layers');
    assert.equal(result.digest, digestOf(rawManifest(`${registry.host}/team/app:1`)), 'the digest printed is the one the registry holds');
    // Another implementation reads what we pushed: skopeo verifies every blob against its digest.
    const layout = path.join(work, 'skopeo-layout');
    execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/team/app:1`, `oci:${layout}:app`]);
    const bundle = path.join(work, 'umoci-bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout}:app`, bundle], { stdio: 'ignore' });
    assert.equal(fs.readFileSync(path.join(bundle, 'rootfs/srv/marker'), 'utf8'), 'pushed\n');

    const fresh = openTestEngine('push-fresh');
    try {
      const pulled = await pullImage(fresh.engine, `${registry.host}/team/app:1`);
      assert.equal(pulled.image.id, image.configDigest);
      assert.equal(pulled.digest, result.digest);
      assert.deepEqual(fresh.engine.layers.chain(pulled.image.topLayer!).map((l) => l.diffId), image.diffIds);
    } finally {
      fresh.destroy();
    }
  });

  it('re-pushing sends no blob: every blob is found by HEAD first', async () => {
    t.engine.images.tag('fixture/pushed:latest', `${proxy.host}/team/again:1`);
    await pushImage(t.engine, `${proxy.host}/team/again:1`);
    proxy.seen.length = 0;
    const again = await pushImage(t.engine, `${proxy.host}/team/again:1`);
    assert.equal(again.uploaded, 0);
    assert.deepEqual(uploads(), [], 'no PATCH or PUT of blob bytes');
    assert.equal(proxy.seen.filter((r) => r.method === 'HEAD' && r.url.includes('/blobs/')).length, 3);
    assert.ok(proxy.seen.some((r) => r.method === 'PUT' && r.url.endsWith('/manifests/1')), 'the manifest is put again');
  });

  it('mounts blobs from another repository of the same registry instead of uploading them', async () => {
    t.engine.images.tag('fixture/pushed:latest', `${proxy.host}/team/source:1`);
    await pushImage(t.engine, `${proxy.host}/team/source:1`);
    t.engine.images.tag('fixture/pushed:latest', `${proxy.host}/other/copy:1`);
    proxy.seen.length = 0;
    const result = await pushImage(t.engine, `${proxy.host}/other/copy:1`);
    assert.equal(result.mounted, 3);
    assert.equal(result.uploaded, 0);
    assert.deepEqual(uploads(), []);
    assert.ok(proxy.seen.some((r) => r.method === 'POST' && r.url.includes('mount=') && r.url.includes('from=team%2Fsource')));
    assert.ok(rawManifest(`${registry.host}/other/copy:1`).length > 0);
  });

  it('uploads big blobs in PATCH chunks', async () => {
    const dataDir = makeTempDir('push-chunked');
    // A second engine on its own data dir with a tiny chunk size, so the fixture's layers are "big".
    const chunked = Engine.open(loadEngineConfig({ dataDir, registries: { uploadChunkBytes: 64 * 1024 } }));
    try {
      await loadImageArchive(chunked, fs.createReadStream(image.archive));
      chunked.images.tag('fixture/pushed:latest', `${proxy.host}/team/chunked:1`);
      const result = await pushImage(chunked, `${proxy.host}/team/chunked:1`);
      assert.equal(result.uploaded, 3);
      const patches = proxy.seen.filter((r) => r.method === 'PATCH');
      assert.ok(patches.length > 3, `busybox (~1 MB) in 64 KiB chunks takes many PATCHes, saw ${patches.length}`);
      assert.ok(patches.every((r) => /^\d+-\d+$/.test(String(r.headers['content-range']))));
      const fresh = openTestEngine('push-chunked-pull');
      try {
        assert.equal((await pullImage(fresh.engine, `${registry.host}/team/chunked:1`)).image.id, image.configDigest);
      } finally {
        fresh.destroy();
      }
    } finally {
      chunked.close();
      removeTempDir(dataDir);
    }
  });

  it('refuses to push an image it does not have', async () => {
    await assert.rejects(pushImage(t.engine, `${proxy.host}/team/missing:1`), /not found/);
    assert.deepEqual(proxy.seen, []);
  });
});
