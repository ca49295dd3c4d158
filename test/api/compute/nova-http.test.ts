/**
 * Nova over raw HTTP where the CLI does not reach: strict request validation (refused
 * requests change nothing), microversions, quotas under a parallel burst, resize, rebuild,
 * metadata, the createImage Location, the power-state sync, and a server restart.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli.js';
import { until } from '../../helpers/poll.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from './cloud-images.js';

describe('Nova v2.1 over HTTP', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  let token: string;
  let imageId: string;
  let projectId: string;
  const nova = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    cloud.request(method, `/compute/v2.1${path}`, { token, ...(body !== undefined && { body }), ...(headers && { headers }) });
  const serverCount = async () => (await nova('GET', '/servers')).body.servers.length as number;
  const statusIs = (id: string, status: string) => until(async () => {
    const s = (await nova('GET', `/servers/${id}`)).body.server;
    return s.status === status ? s : undefined;
  }, 60_000, 100);
  const boot = async (name: string, flavorRef = '42') => {
    const res = await nova('POST', '/servers', { server: { name, imageRef: imageId, flavorRef } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await statusIs(res.body.server.id, 'ACTIVE');
    return res.body.server.id as string;
  };

  before(async () => {
    cloud = await startTestCloud('nova-http');
    work = makeTempDir('nova-http-work');
    imageId = JSON.parse(await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb', '-f', 'json'])).id;
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
    projectId = (await cloud.request('GET', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': token } })).body.token.project.id;
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('refuses malformed creates in Nova\'s fault format and creates nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ server: { name: 'x', imageRef: imageId, flavorRef: '42', bogus: 1 } }, /bogus|additional/i],
      [{ server: { name: 'n'.repeat(256), imageRef: imageId, flavorRef: '42' } }, /name|255|longer/i],
      [{ server: { name: 'x', imageRef: imageId, flavorRef: 'no-such-flavor' } }, /Flavor no-such-flavor could not be found/],
      [{ server: { name: 'x', imageRef: '6a1e3a7c-0000-4000-8000-000000000000', flavorRef: '42' } }, /Image .* could not be found/],
      [{ server: { name: 'x', imageRef: imageId, flavorRef: '42', user_data: 'A'.repeat(65536) } }, /user_data|65535/],
      [{ server: { name: 'x', imageRef: imageId, flavorRef: '42', key_name: 'nokey' } }, /Invalid key_name/],
    ];
    for (const [body, message] of cases) {
      const res = await nova('POST', '/servers', body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.badRequest.message, message);
      assert.equal(res.body.badRequest.code, 400);
    }
    const missing = await nova('GET', '/servers/6a1e3a7c-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.itemNotFound.code, 404);
    assert.equal(await serverCount(), 0);
    assert.equal((await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.trim(), '');
  });

  it('speaks microversion 2.1 only and says so', async () => {
    const res = await nova('GET', '/flavors', undefined, { 'X-OpenStack-Nova-API-Version': '2.1' });
    assert.equal(res.headers.get('x-openstack-nova-api-version'), '2.1');
    assert.equal(res.headers.get('openstack-api-version'), 'compute 2.1');
    assert.equal((await nova('GET', '/flavors', undefined, { 'OpenStack-API-Version': 'compute 2.79' })).status, 406);
    const root = await cloud.request('GET', '/compute/v2.1');
    assert.equal(root.body.version.version, '2.1');
  });

  it('holds the instance quota under a parallel burst', async () => {
    assert.equal((await nova('PUT', `/os-quota-sets/${projectId}`, { quota_set: { instances: 2 } })).status, 200);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => nova('POST', '/servers', { server: { name: `burst-${i}`, imageRef: imageId, flavorRef: '42' } })));
    const accepted = results.filter((r) => r.status === 202);
    assert.equal(accepted.length, 2);
    for (const r of results.filter((x) => x.status !== 202)) {
      assert.equal(r.status, 403);
      assert.match(r.body.forbidden.message, /Quota exceeded for instances/);
    }
    for (const r of accepted) await statusIs(r.body.server.id, 'ACTIVE');
    for (const r of accepted) assert.equal((await nova('DELETE', `/servers/${r.body.server.id}`)).status, 204);
    await until(async () => ((await serverCount()) === 0 ? true : undefined));
    await nova('PUT', `/os-quota-sets/${projectId}`, { quota_set: { instances: 10 } });
  });

  it('resizes live (confirm and revert), rebuilds on the same id, and keeps metadata', async () => {
    const id = await boot('resizable');
    assert.equal((await nova('POST', `/servers/${id}/action`, { resize: { flavorRef: '1' } })).status, 202);
    const resized = await statusIs(id, 'VERIFY_RESIZE');
    assert.equal(resized.flavor.id, '1');
    assert.equal((await nova('POST', `/servers/${id}/action`, { confirmResize: null })).status, 204);
    await statusIs(id, 'ACTIVE');
    assert.equal((await nova('POST', `/servers/${id}/action`, { resize: { flavorRef: '42' } })).status, 202);
    await statusIs(id, 'VERIFY_RESIZE');
    assert.equal((await nova('POST', `/servers/${id}/action`, { revertResize: null })).status, 202);
    assert.equal((await statusIs(id, 'ACTIVE')).flavor.id, '1');

    assert.deepEqual((await nova('PUT', `/servers/${id}/metadata`, { metadata: { role: 'web' } })).body.metadata, { role: 'web' });
    assert.deepEqual((await nova('PUT', `/servers/${id}/metadata/tier`, { meta: { tier: 'front' } })).body.meta, { tier: 'front' });
    assert.equal((await nova('DELETE', `/servers/${id}/metadata/role`)).status, 204);
    assert.deepEqual((await nova('GET', `/servers/${id}`)).body.server.metadata, { tier: 'front' });
    assert.equal((await nova('PUT', `/servers/${id}`, { server: { name: 'renamed' } })).body.server.name, 'renamed');

    const before = (await runCli(cloud.dataDir, ['ps', '-q', '--no-trunc'])).stdout.trim();
    assert.equal((await nova('POST', `/servers/${id}/action`, { rebuild: { imageRef: imageId } })).status, 202);
    await until(async () => ((await nova('GET', `/servers/${id}`)).body.server['OS-EXT-STS:task_state'] === null ? true : undefined));
    assert.equal((await nova('GET', `/servers/${id}`)).body.server.status, 'ACTIVE');
    const after = (await runCli(cloud.dataDir, ['ps', '-q', '--no-trunc'])).stdout.trim();
    assert.notEqual(after, before, 'a rebuild makes a new container under the same server id');

    assert.equal((await nova('POST', `/servers/${id}/action`, { confirmResize: null })).status, 409, 'an action the state does not allow is a conflict');
    await nova('DELETE', `/servers/${id}`);
    await until(async () => ((await serverCount()) === 0 ? true : undefined));
  });

  it('answers createImage with a Location that pkgcloud can GET, and the image is listed at once', async () => {
    const id = await boot('snapper');
    const res = await nova('POST', `/servers/${id}/action`, { createImage: { name: 'snap-http', metadata: { purpose: 'test' } } });
    assert.equal(res.status, 202);
    const location = res.headers.get('location')!;
    assert.match(location, /\/compute\/v2\.1\/images\/[0-9a-f-]{36}$/);
    const listed = (await cloud.request('GET', '/image/v2/images', { token })).body.images as Array<{ name: string }>;
    assert.ok(listed.some((i) => i.name === 'snap-http'), 'listed before the commit ends');
    const image = await until(async () => {
      const got = await cloud.request('GET', location.slice(cloud.url.length), { token });
      return got.body.image.status === 'ACTIVE' ? got.body.image : undefined;
    });
    assert.equal(image.metadata.purpose, 'test');
    assert.equal(image.metadata.image_type, 'snapshot');
    await nova('DELETE', `/servers/${id}`);
    await until(async () => ((await serverCount()) === 0 ? true : undefined));
  });

  it('notices an instance that stopped by itself (SHUTOFF), and keeps servers across a server restart', async () => {
    const id = await boot('survivor');
    const stopping = await boot('stops-by-itself');
    // Stopped behind the API's back, as a crash or an operator would.
    assert.equal((await runCli(cloud.dataDir, ['stop', '-t', '1', `instance-${stopping}`])).code, 0);
    await statusIs(stopping, 'SHUTOFF');

    await cloud.restart();
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
    assert.equal((await nova('GET', `/servers/${id}`)).body.server.status, 'ACTIVE');
    const log = await nova('POST', `/servers/${id}/action`, { 'os-getConsoleOutput': { length: 5 } });
    assert.match(log.body.output, /console-hello/);
    await nova('DELETE', `/servers/${id}`);
    await nova('DELETE', `/servers/${stopping}`);
    await until(async () => ((await serverCount()) === 0 ? true : undefined));
  });

  it('reports the compute host in os-hypervisors from its allocations', async () => {
    const id = await boot('counted');
    const stats = (await nova('GET', '/os-hypervisors/statistics')).body.hypervisor_statistics;
    assert.equal(stats.count, 1);
    assert.ok(stats.vcpus > 0 && stats.memory_mb > 0);
    assert.equal(stats.memory_mb_used, 128, 'used memory is the m1.nano allocation, not a host-wide reading');
    const detail = (await nova('GET', '/os-hypervisors/detail')).body.hypervisors;
    assert.equal(detail.length, 1);
    assert.equal(detail[0].running_vms, 1);
    await nova('DELETE', `/servers/${id}`);
    await until(async () => ((await serverCount()) === 0 ? true : undefined));
  });

  it('lets a reader look but not create', async () => {
    await cloud.openstack(['user', 'create', '--password', 'pw-r', 'rita']);
    await cloud.openstack(['role', 'add', '--project', 'admin', '--user', 'rita', 'reader']);
    const readerToken = await cloud.token('rita', 'pw-r', 'admin');
    const list = await cloud.request('GET', '/compute/v2.1/servers', { token: readerToken });
    assert.equal(list.status, 200);
    const create = await cloud.request('POST', '/compute/v2.1/servers', { token: readerToken, body: { server: { name: 'nope', imageRef: imageId, flavorRef: '42' } } });
    assert.equal(create.status, 403);
    assert.equal(await serverCount(), 0);
  });
});
