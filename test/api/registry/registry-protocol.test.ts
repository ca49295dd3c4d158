/**
 * The distribution API on the wire, against our server on loopback: uploads (monolithic,
 * chunked, mount, cancel), manifests (image, index, refusals), ranges, pagination, auth.
 * Every refused request is checked to have stored nothing.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs, tarLayer } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type RegistryServer, basic, startRegistryServer, users } from './registry-server.js';

const sha = (b: Buffer | string): string => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

describe('registry API: protocol', function () {
  this.timeout(60_000);
  let server: RegistryServer;
  let work: string;
  let layer: Buffer;
  let config: Buffer;
  let manifest: Buffer;

  const call = (method: string, url: string, init: { auth?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Response> =>
    fetch(`${server.url}${url}`, {
      method,
      headers: { ...(init.auth !== undefined && { authorization: init.auth }), ...init.headers },
      ...(init.body !== undefined && { body: init.body }),
      redirect: 'manual',
    });
  const errorCode = async (res: Response): Promise<string> => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code;
  const ingestFiles = (): string[] => fs.readdirSync(path.join(server.test.dataDir, 'content', 'ingest'));
  const pushBlob = async (repo: string, blob: Buffer, user: 'alice' | 'bob' = 'alice'): Promise<Response> =>
    call('POST', `/v2/${repo}/blobs/uploads/?digest=${sha(blob)}`, { auth: basic(user), headers: { 'content-type': 'application/octet-stream' }, body: blob });
  const pushManifest = (repo: string, ref: string, body: Buffer, mediaType = 'application/vnd.docker.distribution.manifest.v2+json'): Promise<Response> =>
    call('PUT', `/v2/${repo}/manifests/${ref}`, { auth: basic('alice'), headers: { 'content-type': mediaType }, body });

  before(async () => {
    server = await startRegistryServer('registry-protocol');
    work = makeTempDir('registry-protocol-work');
    const rootfs = path.join(work, 'rootfs');
    makeBusyboxRootfs(rootfs);
    const { file, diffId } = tarLayer(rootfs, path.join(work, 'layer.tar.gz'), { gzip: true });
    layer = fs.readFileSync(file);
    config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } }));
    manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha(layer), size: layer.length }],
    }));
  });
  after(async () => {
    try {
      await server?.close();
    } finally {
      if (work) removeTempDir(work);
    }
  });

  it('challenges an anonymous ping and answers a logged-in one, with the API version header', async () => {
    const anonymous = await call('GET', '/v2/');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), `Bearer realm="${server.url}/v2/token",service="intermodal"`);
    assert.equal(await errorCode(anonymous), 'UNAUTHORIZED');
    const ok = await call('GET', '/v2/', { auth: basic('alice') });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.equal((await call('GET', '/v2/', { auth: 'Basic ' + Buffer.from('alice:wrong').toString('base64') })).status, 401);
  });

  it('answers an anonymous push with 401 and the Bearer challenge for pull,push', async () => {
    const res = await call('POST', '/v2/team/app/blobs/uploads/');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${server.url}/v2/token",service="intermodal",scope="repository:team/app:pull,push"`);
    assert.equal(await errorCode(res), 'UNAUTHORIZED');
    assert.equal(server.store.repository('team/app'), undefined);
  });

  it('issues a Bearer token for Basic credentials and accepts it; refuses wrong credentials', async () => {
    const wrong = await call('GET', '/v2/token?service=intermodal&scope=repository:team/app:pull,push', { auth: 'Basic ' + Buffer.from('alice:nope').toString('base64') });
    assert.equal(wrong.status, 401);
    const res = await call('GET', '/v2/token?service=intermodal&scope=repository:team/app:pull,push', { auth: basic('alice') });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    assert.ok(Date.parse(body.issued_at) <= Date.now());
    const start = await call('POST', '/v2/team/app/blobs/uploads/', { auth: `Bearer ${body.token}` });
    assert.equal(start.status, 202);
    await call('DELETE', start.headers.get('location')!, { auth: `Bearer ${body.token}` });
    // A token for another repository grants nothing here.
    const other = (await (await call('GET', '/v2/token?scope=repository:elsewhere:pull,push', { auth: basic('alice') })).json()) as { token: string };
    assert.equal((await call('POST', '/v2/team/app/blobs/uploads/', { auth: `Bearer ${other.token}` })).status, 401);
    // containerd's OAuth2 password grant, POSTed as a form.
    const form = `grant_type=password&username=alice&password=${users.alice}&service=intermodal&scope=${encodeURIComponent('repository:team/app:pull,push')}`;
    const oauth = await call('POST', '/v2/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    assert.equal(oauth.status, 200);
    const oauthToken = ((await oauth.json()) as { access_token: string }).access_token;
    assert.equal((await call('GET', '/v2/team/app/tags/list', { auth: `Bearer ${oauthToken}` })).status, 404, 'authorized, and the repository does not exist yet');
    const badForm = await call('POST', '/v2/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.replace(users.alice, 'nope') });
    assert.equal(badForm.status, 401);
    const forged = body.token.slice(0, -2) + (body.token.endsWith('AA') ? 'BB' : 'AA');
    assert.equal((await call('POST', '/v2/team/app/blobs/uploads/', { auth: `Bearer ${forged}` })).status, 401);
  });

  it('takes a monolithic upload, a chunked one, and an image manifest that becomes an image', async () => {
    const mono = await pushBlob('team/app', layer);
    assert.equal(mono.status, 201);
    assert.equal(mono.headers.get('docker-content-digest'), sha(layer));
    assert.equal(mono.headers.get('location'), `/v2/team/app/blobs/${sha(layer)}`);

    const start = await call('POST', '/v2/team/app/blobs/uploads/', { auth: basic('alice') });
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    assert.match(location, /^\/v2\/team\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
    assert.equal(start.headers.get('docker-upload-uuid'), location.split('/').pop());
    const half = Math.floor(config.length / 2);
    const first = await call('PATCH', location, { auth: basic('alice'), headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` }, body: config.subarray(0, half) });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), `0-${half - 1}`);
    const misplaced = await call('PATCH', location, { auth: basic('alice'), headers: { 'content-type': 'application/octet-stream', 'content-range': '0-3' }, body: config.subarray(0, 4) });
    assert.equal(misplaced.status, 416);
    const status = await call('GET', location, { auth: basic('alice') });
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${half - 1}`);
    await call('PATCH', location, { auth: basic('alice'), headers: { 'content-type': 'application/octet-stream', 'content-range': `${half}-${config.length - 1}` }, body: config.subarray(half) });
    const done = await call('PUT', `${location}?digest=${sha(config)}`, { auth: basic('alice') });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), sha(config));
    assert.deepEqual(ingestFiles(), []);

    const put = await pushManifest('team/app', 'v1', manifest);
    assert.equal(put.status, 201, await put.clone().text());
    assert.equal(put.headers.get('docker-content-digest'), sha(manifest));
    assert.equal(server.test.engine.images.resolve('team/app:v1').id, sha(config));

    const get = await call('GET', '/v2/team/app/manifests/v1', { auth: basic('alice') });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), manifest);
    const head = await call('HEAD', `/v2/team/app/manifests/${sha(manifest)}`, { auth: basic('alice') });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(manifest.length));
    assert.equal(head.headers.get('docker-content-digest'), sha(manifest));
    const encoded = await call('HEAD', `/v2/team/app/manifests/${sha(manifest).replace(':', '%3A')}`, { auth: basic('alice') });
    assert.equal(encoded.status, 200, 'a percent-encoded colon is the same digest');
    const malformed = await call('GET', '/v2/team/app/manifests/%E0%A4%A', { auth: basic('alice') });
    assert.equal(malformed.status, 400);
  });

  it('serves a Range of a blob as 206 with exactly those bytes', async () => {
    const res = await call('GET', `/v2/team/app/blobs/${sha(layer)}`, { auth: basic('alice'), headers: { range: 'bytes=100-1123' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 100-1123/${layer.length}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), layer.subarray(100, 1124));
    const whole = await call('GET', `/v2/team/app/blobs/${sha(layer)}`, { auth: basic('alice') });
    assert.equal(whole.status, 200);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), layer);
    const beyond = await call('GET', `/v2/team/app/blobs/${sha(layer)}`, { auth: basic('alice'), headers: { range: `bytes=${layer.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal((await call('HEAD', `/v2/team/app/blobs/${sha('absent')}`, { auth: basic('alice') })).status, 404);
  });

  it('refuses a finished upload whose bytes have another digest, and stores nothing', async () => {
    const bytes = Buffer.from('these bytes are not what the client claims');
    const claimed = sha('something else');
    const start = await call('POST', '/v2/team/app/blobs/uploads/', { auth: basic('alice') });
    const location = start.headers.get('location')!;
    await call('PATCH', location, { auth: basic('alice'), headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const res = await call('PUT', `${location}?digest=${claimed}`, { auth: basic('alice') });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'DIGEST_INVALID');
    assert.equal(server.test.engine.content.has(claimed), false);
    assert.equal(server.test.engine.content.has(sha(bytes)), false);
    assert.deepEqual(ingestFiles(), []);
    assert.equal((await call('PATCH', location, { auth: basic('alice'), body: 'x' })).status, 404, 'the upload is gone');
    const mono = await call('POST', `/v2/team/app/blobs/uploads/?digest=${claimed}`, { auth: basic('alice'), headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    assert.equal(mono.status, 400);
    assert.equal(await errorCode(mono), 'DIGEST_INVALID');
    assert.equal(server.test.engine.content.has(sha(bytes)), false);
  });

  it('refuses a manifest that references a missing blob, and stores nothing', async () => {
    const missing = sha('never uploaded');
    const bad = Buffer.from(manifest.toString().replace(sha(layer), missing));
    // The config is there (mounted), the layer is not.
    assert.equal((await call('POST', `/v2/team/bad/blobs/uploads/?mount=${sha(config)}&from=team/app`, { auth: basic('alice') })).status, 201);
    const res = await pushManifest('team/bad', 'v1', bad);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: { code: string; detail: { digest: string } }[] };
    assert.equal(body.errors[0]!.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.equal(body.errors[0]!.detail.digest, missing);
    assert.equal(server.test.engine.content.has(sha(bad)), false);
    assert.throws(() => server.test.engine.images.resolve('team/bad:v1'), /not found/);
    assert.deepEqual(await (await call('GET', '/v2/team/bad/tags/list', { auth: basic('alice') })).json(), { name: 'team/bad', tags: [] });
  });

  it('refuses a manifest whose URL digest differs, one over 4 MiB, and one that is not JSON', async () => {
    const wrongDigest = await pushManifest('team/app', sha('other'), manifest);
    assert.equal(wrongDigest.status, 400);
    assert.equal(await errorCode(wrongDigest), 'DIGEST_INVALID');
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const tooBig = await pushManifest('team/app', 'huge', huge);
    assert.equal(tooBig.status, 413);
    const notJson = await pushManifest('team/app', 'junk', Buffer.from('{not json'));
    assert.equal(notJson.status, 400);
    assert.equal(await errorCode(notJson), 'MANIFEST_INVALID');
    assert.deepEqual(server.store.tags('team/app'), ['v1']);
  });

  it('pages tags/list with n and last, and a Link header to the next page', async () => {
    for (const tag of ['a', 'b', 'c', 'd']) assert.equal((await pushManifest('team/app', tag, manifest)).status, 201);
    const page1 = await call('GET', '/v2/team/app/tags/list?n=2', { auth: basic('alice') });
    assert.deepEqual(await page1.json(), { name: 'team/app', tags: ['a', 'b'] });
    assert.equal(page1.headers.get('link'), '</v2/team/app/tags/list?n=2&last=b>; rel="next"');
    const page2 = await call('GET', '/v2/team/app/tags/list?n=2&last=b', { auth: basic('alice') });
    assert.deepEqual(await page2.json(), { name: 'team/app', tags: ['c', 'd'] });
    const page3 = await call('GET', '/v2/team/app/tags/list?n=2&last=d', { auth: basic('alice') });
    assert.deepEqual(await page3.json(), { name: 'team/app', tags: ['v1'] });
    assert.equal(page3.headers.get('link'), null);
  });

  it('mounts a blob from another repository the caller may read, and uploads otherwise', async () => {
    const mounted = await call('POST', `/v2/team/copy/blobs/uploads/?mount=${sha(layer)}&from=team/app`, { auth: basic('alice') });
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('docker-content-digest'), sha(layer));
    assert.equal((await call('HEAD', `/v2/team/copy/blobs/${sha(layer)}`, { auth: basic('alice') })).status, 200);
    // bob's project may not read team/app: no mount, a plain upload session instead.
    const refused = await call('POST', `/v2/bob/app/blobs/uploads/?mount=${sha(layer)}&from=team/app`, { auth: basic('bob') });
    assert.equal(refused.status, 202);
    assert.equal((await call('HEAD', `/v2/bob/app/blobs/${sha(layer)}`, { auth: basic('bob') })).status, 404);
    assert.equal((await call('DELETE', refused.headers.get('location')!, { auth: basic('bob') })).status, 204);
    assert.deepEqual(ingestFiles(), []);
  });

  it('never links a blob to a repository on the strength of its digest alone', async () => {
    const garbage = Buffer.from('not the layer');
    const mono = await call('POST', `/v2/bob/steal/blobs/uploads/?digest=${sha(layer)}`, { auth: basic('bob'), headers: { 'content-type': 'application/octet-stream' }, body: garbage });
    assert.equal(mono.status, 400);
    assert.equal(await errorCode(mono), 'DIGEST_INVALID');
    const start = await call('POST', '/v2/bob/steal/blobs/uploads/', { auth: basic('bob') });
    const location = start.headers.get('location')!;
    await call('PATCH', location, { auth: basic('bob'), headers: { 'content-type': 'application/octet-stream' }, body: garbage });
    assert.equal((await call('PUT', `${location}?digest=${sha(layer)}`, { auth: basic('bob') })).status, 400);
    assert.equal((await call('GET', `/v2/bob/steal/blobs/${sha(layer)}`, { auth: basic('bob') })).status, 404);
    assert.ok(server.test.engine.content.has(sha(layer)), "alice's blob is untouched");
    assert.deepEqual(ingestFiles(), []);
  });

  it('keeps private repositories to their project and opens public ones to anonymous pulls', async () => {
    const denied = await call('GET', '/v2/team/app/manifests/v1', { auth: basic('bob') });
    assert.equal(denied.status, 403);
    assert.equal(await errorCode(denied), 'DENIED');
    assert.equal((await call('GET', '/v2/team/app/manifests/v1')).status, 401);
    assert.equal((await call('GET', '/v2/team/app/manifests/v1', { auth: basic('carol') })).status, 200);
    const catalog = (await (await call('GET', '/v2/_catalog', { auth: basic('bob') })).json()) as { repositories: string[] };
    assert.equal(catalog.repositories.includes('team/app'), false);

    server.store.setPublic('team/app', true);
    assert.equal((await call('GET', '/v2/team/app/manifests/v1')).status, 200);
    const anon = (await (await call('GET', '/v2/token?scope=repository:team/app:pull,push')).json()) as { token: string };
    assert.equal((await call('GET', `/v2/team/app/blobs/${sha(layer)}`, { auth: `Bearer ${anon.token}` })).status, 200);
    assert.equal((await call('POST', '/v2/team/app/blobs/uploads/', { auth: `Bearer ${anon.token}` })).status, 401, 'a public repository is not writable anonymously');
    assert.equal((await call('POST', '/v2/team/app/blobs/uploads/', { auth: basic('bob') })).status, 403);
    const open = (await (await call('GET', '/v2/_catalog')).json()) as { repositories: string[] };
    assert.deepEqual(open.repositories, ['team/app']);
    server.store.setPublic('team/app', false);
  });

  it('takes an index of known manifests, tags the image for this machine, and refuses unknown children', async () => {
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: sha(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } }],
    }));
    const put = await pushManifest('team/app', 'multi', index, 'application/vnd.oci.image.index.v1+json');
    assert.equal(put.status, 201, await put.clone().text());
    const get = await call('GET', '/v2/team/app/manifests/multi', { auth: basic('alice') });
    assert.equal(get.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), index);
    if (process.arch === 'x64') assert.equal(server.test.engine.images.resolve('team/app:multi').id, sha(config));

    const unknown = Buffer.from(index.toString().replace(sha(manifest), sha('no such manifest')));
    const res = await pushManifest('team/app', 'broken', unknown, 'application/vnd.oci.image.index.v1+json');
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
    assert.equal(server.test.engine.content.has(sha(unknown)), false);
  });

  it('lists the referrers of a manifest (OCI 1.1), filtered by artifact type', async () => {
    const empty = Buffer.from('{}');
    assert.equal((await pushBlob('team/app', empty)).status, 201);
    const sbom = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
      layers: [],
      subject: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: sha(manifest), size: manifest.length },
      annotations: { 'org.example.kind': 'sbom' },
    }));
    const put = await pushManifest('team/app', sha(sbom), sbom, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(put.status, 201, await put.clone().text());
    assert.equal(put.headers.get('oci-subject'), sha(manifest));
    const list = await call('GET', `/v2/team/app/referrers/${sha(manifest)}`, { auth: basic('alice') });
    assert.equal(list.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(((await list.json()) as { manifests: unknown[] }).manifests, [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(sbom), size: sbom.length, artifactType: 'application/vnd.example.sbom', annotations: { 'org.example.kind': 'sbom' } },
    ]);
    const filtered = await call('GET', `/v2/team/app/referrers/${sha(manifest)}?artifactType=application/vnd.example.signature`, { auth: basic('alice') });
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(((await filtered.json()) as { manifests: unknown[] }).manifests, []);
    const none = await call('GET', `/v2/team/app/referrers/${sha(sbom)}`, { auth: basic('alice') });
    assert.deepEqual(((await none.json()) as { manifests: unknown[] }).manifests, []);
  });

  it('deletes a manifest by digest with every tag that names it', async () => {
    assert.equal((await pushManifest('team/gone', 'x', manifest)).status, 400, 'blobs are per repository');
    await call('POST', `/v2/team/gone/blobs/uploads/?mount=${sha(layer)}&from=team/app`, { auth: basic('alice') });
    await call('POST', `/v2/team/gone/blobs/uploads/?mount=${sha(config)}&from=team/app`, { auth: basic('alice') });
    assert.equal((await pushManifest('team/gone', 'x', manifest)).status, 201);
    assert.equal((await pushManifest('team/gone', 'y', manifest)).status, 201);
    const del = await call('DELETE', `/v2/team/gone/manifests/${sha(manifest)}`, { auth: basic('alice') });
    assert.equal(del.status, 202);
    assert.equal((await call('GET', '/v2/team/gone/manifests/x', { auth: basic('alice') })).status, 404);
    assert.deepEqual(server.store.tags('team/gone'), []);
    assert.throws(() => server.test.engine.images.resolve('team/gone:x'), /not found/);
    assert.equal(server.test.engine.images.resolve('team/app:v1').id, sha(config), 'the image itself stays while other names use it');
  });
});
