/**
 * Image import from a registry: glanceclient's `image-create-via-import --import-method
 * web-download --uri docker://...` against Debian's docker-registry on loopback (the image
 * put there by skopeo), and the `docker_image` property shortcut; a failed pull leaves the
 * image queued with the reason.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../helpers/cli.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { fixtureImage, skopeoPush } from '../../engine/registry/registry-fixture.js';
import { engineImageIds, glance } from './glance-fixtures.js';

describe('Glance image import from a registry (web-download of docker:// URIs)', function () {
  this.timeout(180_000);
  let cloud: TestCloud;
  let registry: RegistryPeer;
  let work: string;
  let token: string;
  let pushed: { configDigest: string };

  const waitForStatus = async (id: string, wanted: string[]): Promise<Record<string, any>> => {
    for (let i = 0; i < 300; i++) {
      const res = await cloud.request('GET', `/image/v2/images/${id}`, { token });
      if (wanted.includes(res.body.status)) return res.body;
      await sleep(100);
    }
    throw new Error(`image ${id} never reached ${wanted.join('/')}`);
  };

  before(async () => {
    registry = await startRegistry();
    cloud = await startTestCloud('glance-import');
    work = makeTempDir('glance-import-work');
    const image = fixtureImage(work, 'imported');
    skopeoPush(image.archive, `${registry.host}/glance/imported:1`);
    pushed = image;
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
  });
  after(async () => {
    await cloud?.stop();
    await registry?.stop();
    if (work) removeTempDir(work);
  });

  it('glance image-create-via-import --import-method web-download --uri docker://... pulls the image into the store', async () => {
    const stdout = await glance(cloud, ['image-create-via-import', '--import-method', 'web-download', '--uri', `docker://${registry.host}/glance/imported:1`,
      '--container-format', 'docker', '--disk-format', 'raw', '--name', 'imported']);
    const id = /\|\s*id\s*\|\s*([0-9a-f-]{36})/.exec(stdout)?.[1];
    assert.ok(id, stdout);
    const image = await waitForStatus(id, ['active', 'queued']);
    assert.equal(image.status, 'active', image.os_glance_failed_import);
    assert.ok((await engineImageIds(cloud.dataDir)).includes(pushed.configDigest));
    assert.ok(image.size > 1_000_000);
    // Bootable at once: the engine makes a container from what was pulled.
    const container = await runCli(cloud.dataDir, ['create', '--name', 'from-import', pushed.configDigest, 'true']);
    assert.equal(container.code, 0, container.stderr);
    const rows = JSON.parse(await cloud.openstack(['image', 'list', '-f', 'json'])) as Array<{ Name: string }>;
    assert.deepEqual(rows.filter((r) => r.Name === 'imported' || r.Name.includes('glance/imported')).map((r) => r.Name), ['imported'], 'one Glance image for the pulled engine image');
  });

  it('the docker_image property on create is a shortcut for the same import; a missing image leaves it queued with the reason', async () => {
    const created = await cloud.request('POST', '/image/v2/images', { token, body: { name: 'shortcut', container_format: 'docker', disk_format: 'raw', docker_image: `${registry.host}/glance/imported:1` } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(['importing', 'active'].includes(created.body.status));
    assert.equal((await waitForStatus(created.body.id, ['active', 'queued'])).status, 'active');

    const missing = await cloud.request('POST', '/image/v2/images', { token, body: { name: 'missing', container_format: 'docker', disk_format: 'raw' } });
    const started = await cloud.request('POST', `/image/v2/images/${missing.body.id}/import`, { token, body: { method: { name: 'web-download', uri: `docker://${registry.host}/glance/nothing:1` } } });
    assert.equal(started.status, 202);
    const failed = await waitForStatus(missing.body.id, ['queued', 'active']);
    assert.equal(failed.status, 'queued');
    assert.match(failed.os_glance_failed_import, /nothing/);
    const bad = await cloud.request('POST', `/image/v2/images/${missing.body.id}/import`, { token, body: { method: { name: 'web-download', uri: 'http://example.invalid/disk.img' } } });
    assert.equal(bad.status, 400);
    const info = await cloud.request('GET', '/image/v2/info/import', { token });
    assert.deepEqual(info.body['import-methods'].value, ['web-download']);
  });
});
