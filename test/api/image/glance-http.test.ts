/**
 * Glance v2 as glanceclient, tempest and the SDK speak it over HTTP: discovery (300),
 * schemas with real types, chunked uploads, Content-MD5 on downloads, both JSON-patch
 * dialects, pagination by `next` links, and Glance's refusals.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { blobCount, busyboxArchive, chunkedBody, engineImageIds, md5, rawRequest } from './glance-fixtures.js';

describe('Glance v2 over HTTP (glanceclient, tempest and SDK requests)', function () {
  this.timeout(180_000);
  let cloud: TestCloud;
  let work: string;
  let token: string;
  const create = async (body: Record<string, unknown>) => {
    const res = await cloud.request('POST', '/image/v2/images', { token, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Record<string, any>;
  };
  const patch = (id: string, dialect: '2.0' | '2.1', ops: unknown[]) =>
    cloud.request('PATCH', `/image/v2/images/${id}`, { token, body: ops, headers: { 'content-type': `application/openstack-images-v${dialect}-json-patch` } });

  before(async () => {
    cloud = await startTestCloud('glance-http');
    work = makeTempDir('glance-http-work');
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('answers discovery at /image and /image/ with 300, and /image/versions with 200, self links reachable', async () => {
    for (const p of ['/image', '/image/']) {
      const res = await cloud.request('GET', p);
      assert.equal(res.status, 300);
      for (const v of res.body.versions) assert.ok(v.id && v.status && v.links[0].href, JSON.stringify(v));
      assert.deepEqual(res.body.versions.filter((v: any) => v.status === 'CURRENT').map((v: any) => v.id), ['v2.9']);
      assert.equal(res.body.versions[0].links[0].href, `${cloud.url}/image/v2/`);
    }
    const versions = await cloud.request('GET', '/image/versions');
    assert.equal(versions.status, 200);
    assert.ok(versions.body.versions.some((v: any) => v.id === 'v2.0'));
    const unauthenticated = await cloud.request('GET', '/image/v2/images');
    assert.equal(unauthenticated.status, 401);
    assert.match(unauthenticated.headers.get('www-authenticate') ?? '', /Keystone uri=/);
  });

  it('publishes schemas whose core attributes have their real types', async () => {
    const image = (await cloud.request('GET', '/image/v2/schemas/image', { token })).body;
    assert.equal(image.name, 'image');
    assert.deepEqual(image.properties.min_ram.type, 'integer');
    assert.deepEqual(image.properties.os_hidden.type, 'boolean');
    assert.deepEqual(image.properties.protected.type, 'boolean');
    assert.deepEqual(image.properties.size.type, ['null', 'integer']);
    assert.deepEqual(image.additionalProperties, { type: 'string' });
    const images = (await cloud.request('GET', '/image/v2/schemas/images', { token })).body;
    assert.equal(images.properties.images.items.name, 'image');
  });

  it('creates with extra keys as string properties, refuses read-only and reserved ones, 404s non-UUID ids', async () => {
    const image = await create({ name: 'props', container_format: 'bare', disk_format: 'raw', 'owner_specified.openstack.object': 'images/props', hw_arch: 'x86_64' });
    assert.equal(image.status, 'queued');
    assert.equal(image.size, null);
    assert.equal(image.visibility, 'shared');
    assert.equal(image.hw_arch, 'x86_64');
    assert.equal(image['owner_specified.openstack.object'], 'images/props');
    for (const [key, status] of [['status', 403], ['checksum', 403], ['deleted', 403], ['os_glance_x', 403]] as const) {
      const res = await cloud.request('POST', '/image/v2/images', { token, body: { name: 'bad', [key]: 'x' } });
      assert.equal(res.status, status, `${key}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await cloud.request('POST', '/image/v2/images', { token, body: { name: 'bad', min_ram: 'lots' } })).status, 400);
    assert.equal((await cloud.request('POST', '/image/v2/images', { token, body: { name: 'bad', container_format: 'vhs' } })).status, 400);
    assert.equal((await cloud.request('POST', '/image/v2/images', { token, body: { name: 'bad', custom: 5 } })).status, 400);
    const byName = await cloud.request('GET', '/image/v2/images/props', { token });
    assert.equal(byName.status, 404);
    assert.equal(byName.body.error.code, 404);
    assert.equal(byName.body.error.title, 'Not Found');
    const named = await cloud.request('GET', '/image/v2/images?name=props', { token });
    assert.deepEqual(named.body.images.map((i: any) => i.id), [image.id]);
    assert.ok(!(await cloud.request('GET', '/image/v2/images', { token })).body.images.some((i: any) => i.name === 'bad'), 'a refused create makes nothing');
  });

  it('PATCH in the v2.1 (SDK) and v2.0 (tempest) dialects; refusals change nothing', async () => {
    const image = await create({ name: 'patchme', container_format: 'bare', disk_format: 'raw' });
    let res = await patch(image.id, '2.1', [{ op: 'add', path: '/color', value: 'blue' }, { op: 'replace', path: '/name', value: 'patched' }, { op: 'add', path: '/min_disk', value: 2 }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'patched');
    assert.equal(res.body.color, 'blue');
    assert.equal(res.body.min_disk, 2);
    res = await patch(image.id, '2.0', [{ replace: '/name', value: 'tempest-name' }, { remove: '/color' }, { add: '/a~1b', value: 'slash' }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.name, 'tempest-name');
    assert.equal(res.body.color, undefined);
    assert.equal(res.body['a/b'], 'slash');
    assert.equal((await patch(image.id, '2.1', [{ op: 'replace', path: '/missing', value: 'x' }])).status, 409);
    assert.equal((await patch(image.id, '2.1', [{ op: 'remove', path: '/missing' }])).status, 409);
    assert.equal((await patch(image.id, '2.1', [{ op: 'replace', path: '/status', value: 'active' }])).status, 403);
    assert.equal((await patch(image.id, '2.1', [{ op: 'move', path: '/name', from: '/x' }])).status, 400);
    // The first change is valid, the second is not: neither is kept.
    assert.equal((await patch(image.id, '2.1', [{ op: 'replace', path: '/name', value: 'lost' }, { op: 'replace', path: '/protected', value: 'yes' }])).status, 400);
    const plain = await cloud.request('PATCH', `/image/v2/images/${image.id}`, { token, body: [{ op: 'replace', path: '/name', value: 'x' }] });
    assert.equal(plain.status, 415);
    assert.equal((await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body.name, 'tempest-name');
  });

  it('uploads chunked (tempest), downloads 204 before data, then bytes with Content-MD5 of exactly those bytes', async () => {
    const bytes = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const image = await create({ name: 'disk', container_format: 'bare', disk_format: 'raw' });
    const empty = await rawRequest(cloud, 'GET', `/image/v2/images/${image.id}/file`, { token });
    assert.equal(empty.status, 204);
    assert.equal(empty.bytes.length, 0);
    const put = await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/file`, { token, body: chunkedBody(bytes), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 204, put.bytes.toString());
    const shown = (await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, bytes.length);
    assert.equal(shown.checksum, md5(bytes));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, crypto.createHash('sha512').update(bytes).digest('hex'));
    const got = await rawRequest(cloud, 'GET', `/image/v2/images/${image.id}/file`, { token });
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes), 'an opaque image comes back byte for byte');
    assert.equal(got.headers.get('content-md5'), md5(got.bytes));
    // Data is uploaded once; a raw disk is kept but is not a container image.
    const again = await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/file`, { token, body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(again.status, 409);
    const json = await rawRequest(cloud, 'PUT', `/image/v2/images/${(await create({ name: 'j', container_format: 'bare', disk_format: 'raw' })).id}/file`, { token, body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 415);
  });

  it('a docker image uploaded chunked is loaded into the store and downloads as a docker-archive with a matching Content-MD5', async () => {
    const archive = busyboxArchive(work, 'httpbb:1');
    const bytes = fs.readFileSync(archive.file);
    const image = await create({ name: 'httpbb', container_format: 'docker', disk_format: 'raw' });
    let started = process.hrtime.bigint();
    const put = await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/file`, { token, body: chunkedBody(bytes), headers: { 'content-type': 'application/octet-stream' } });
    console.log(`      PUT /file of a ${bytes.length}-byte busybox docker-archive (stream + unpack into the store): ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
    assert.equal(put.status, 204, put.bytes.toString());
    assert.ok((await engineImageIds(cloud.dataDir)).includes(archive.configDigest));
    for (const pass of ['first', 'second']) {
      started = process.hrtime.bigint();
      const got = await rawRequest(cloud, 'GET', `/image/v2/images/${image.id}/file`, { token });
      console.log(`      GET /file, ${pass}: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms for ${got.bytes.length} bytes`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-md5'), md5(got.bytes));
      assert.equal(Number(got.headers.get('content-length')), got.bytes.length);
      const shown = (await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body;
      assert.equal(shown.checksum, md5(got.bytes), 'checksum, os_hash_value and size describe the bytes sent');
      assert.equal(shown.os_hash_value, crypto.createHash('sha512').update(got.bytes).digest('hex'));
      assert.equal(shown.size, got.bytes.length);
      assert.ok(got.bytes.includes(Buffer.from('manifest.json')), 'a docker-archive');
    }
  });

  it('pages with limit and a next link relative to the unversioned endpoint, in the requested order', async () => {
    for (const n of ['page-c', 'page-a', 'page-b']) await create({ name: n, container_format: 'bare', disk_format: 'raw', pager: 'yes' });
    const seen: string[] = [];
    let next: string | undefined = '/v2/images?pager=yes&limit=2&sort=name:asc';
    let pages = 0;
    while (next) {
      const res = await cloud.request('GET', `/image${next}`, { token });
      assert.equal(res.status, 200);
      assert.equal(res.body.first, '/v2/images');
      assert.equal(res.body.schema, '/v2/schemas/images');
      seen.push(...res.body.images.map((i: any) => i.name));
      next = res.body.next;
      assert.ok(++pages <= 3);
    }
    assert.deepEqual(seen, ['page-a', 'page-b', 'page-c']);
    const old = await cloud.request('GET', '/image/v2/images?pager=yes&sort_key=name&sort_dir=desc', { token });
    assert.deepEqual(old.body.images.map((i: any) => i.name), ['page-c', 'page-b', 'page-a']);
    assert.equal((await cloud.request('GET', '/image/v2/images?sort_key=bogus', { token })).status, 400);
    assert.equal((await cloud.request('GET', `/image/v2/images?marker=${crypto.randomUUID()}`, { token })).status, 400);
    const some = await cloud.request('GET', '/image/v2/images?name=in:page-a,page-c&sort=name:asc', { token });
    assert.deepEqual(some.body.images.map((i: any) => i.name), ['page-a', 'page-c']);
  });

  it('the openstack CLI follows next links through more than one page', async () => {
    for (let i = 0; i < 30; i++) await create({ name: `many-${String(i).padStart(2, '0')}`, container_format: 'bare', disk_format: 'raw' });
    const rows = JSON.parse(await cloud.openstack(['image', 'list', '-f', 'json'])) as Array<{ Name: string }>;
    assert.equal(rows.filter((r) => r.Name.startsWith('many-')).length, 30);
  });

  it('an upload cut off mid-stream leaves the image queued and no engine image or blob', async () => {
    const archive = busyboxArchive(work, 'cutoff:1', 'never completes\n');
    const bytes = fs.readFileSync(archive.file);
    const image = await create({ name: 'cutoff', container_format: 'docker', disk_format: 'raw' });
    const imagesBefore = await engineImageIds(cloud.dataDir);
    const blobsBefore = blobCount(cloud.dataDir);
    const url = new URL(`${cloud.url}/image/v2/images/${image.id}/file`);
    await new Promise<void>((resolve) => {
      const req = http.request(url, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => { req.destroy(); resolve(); }, 200));
    });
    let status = '';
    for (let i = 0; i < 100 && status !== 'queued'; i++) {
      status = (await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body.status;
      if (status !== 'queued') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'queued');
    assert.deepEqual(await engineImageIds(cloud.dataDir), imagesBefore);
    assert.equal(blobCount(cloud.dataDir), blobsBefore);
    // And the image takes a complete upload afterwards.
    const put = await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/file`, { token, body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 204, put.bytes.toString());
  });

  it('tags, deactivate/reactivate, protected images and hidden images as tempest drives them', async () => {
    const image = await create({ name: 'lifecycle', container_format: 'bare', disk_format: 'raw', tags: ['one'] });
    assert.equal((await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/tags/two`, { token })).status, 204);
    assert.deepEqual((await cloud.request('GET', `/image/v2/images?tag=two`, { token })).body.images.map((i: any) => i.id), [image.id]);
    assert.equal((await rawRequest(cloud, 'DELETE', `/image/v2/images/${image.id}/tags/one`, { token })).status, 204);
    assert.equal((await rawRequest(cloud, 'DELETE', `/image/v2/images/${image.id}/tags/one`, { token })).status, 404);
    assert.deepEqual((await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body.tags, ['two']);
    // Deactivating needs data first.
    assert.equal((await rawRequest(cloud, 'POST', `/image/v2/images/${image.id}/actions/deactivate`, { token })).status, 403);
    await rawRequest(cloud, 'PUT', `/image/v2/images/${image.id}/file`, { token, body: Buffer.from('disk'), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal((await rawRequest(cloud, 'POST', `/image/v2/images/${image.id}/actions/deactivate`, { token })).status, 204);
    assert.equal((await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body.status, 'deactivated');
    assert.equal((await rawRequest(cloud, 'POST', `/image/v2/images/${image.id}/actions/reactivate`, { token })).status, 204);
    assert.equal((await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).body.status, 'active');
    await patch(image.id, '2.1', [{ op: 'replace', path: '/protected', value: true }, { op: 'replace', path: '/os_hidden', value: true }]);
    assert.ok(!(await cloud.request('GET', '/image/v2/images', { token })).body.images.some((i: any) => i.id === image.id), 'hidden from the default list');
    assert.ok((await cloud.request('GET', '/image/v2/images?os_hidden=true', { token })).body.images.some((i: any) => i.id === image.id));
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}`, { token })).status, 403);
    await patch(image.id, '2.1', [{ op: 'replace', path: '/protected', value: false }]);
    assert.equal((await cloud.request('DELETE', `/image/v2/images/${image.id}`, { token })).status, 204);
    assert.equal((await cloud.request('GET', `/image/v2/images/${image.id}`, { token })).status, 404);
  });
});
