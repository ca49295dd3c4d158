/**
 * What the registry leaves behind: garbage collection keeps what repositories refer to,
 * a layer that is not what the config says is refused with nothing recorded, a dropped
 * upload leaves no file, and the plugin's raw body parser stays inside the plugin.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { registryApi } from '../../../api/registry/registry-api.js';
import { StaticAuthenticator } from '../../../api/registry/static-authenticator.js';
import { collectGarbage } from '../../../engine/images/garbage-collector.js';
import { makeBusyboxRootfs, tarLayer } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine } from '../../helpers/test-engine.js';
import { type RegistryServer, basic, startRegistryServer } from './registry-server.js';

const sha = (b: Buffer | string): string => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

describe('registry API: state and cleanup', function () {
  this.timeout(60_000);
  let server: RegistryServer;
  let work: string;
  let layer: Buffer;
  let diffId: string;

  const call = (method: string, url: string, init: { headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Response> =>
    fetch(`${server.url}${url}`, { method, headers: { authorization: basic('alice'), 'content-type': 'application/octet-stream', ...init.headers }, ...(init.body !== undefined && { body: init.body }) });
  const pushBlob = (repo: string, blob: Buffer): Promise<Response> => call('POST', `/v2/${repo}/blobs/uploads/?digest=${sha(blob)}`, { body: blob });
  const manifestFor = (config: Buffer): Buffer => Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
  }));
  const configWith = (ids: string[]): Buffer => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: ids } }));
  const gc = () => collectGarbage({ db: server.test.engine.db, content: server.test.engine.content, layers: server.test.engine.layers });

  before(async () => {
    server = await startRegistryServer('registry-state');
    work = makeTempDir('registry-state-work');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    const tar = tarLayer(path.join(work, 'rootfs'), path.join(work, 'layer.tar.gz'), { gzip: true });
    layer = fs.readFileSync(tar.file);
    diffId = tar.diffId;
  });
  after(async () => {
    try {
      await server?.close();
    } finally {
      if (work) removeTempDir(work);
    }
  });

  it('keeps uploaded blobs and pushed indexes from garbage collection until the repository lets go', async () => {
    const loose = Buffer.from('a blob no manifest refers to yet');
    assert.equal((await pushBlob('gc/app', loose)).status, 201);
    assert.equal((await pushBlob('gc/app', layer)).status, 201);
    const config = configWith([diffId]);
    assert.equal((await pushBlob('gc/app', config)).status, 201);
    const manifest = manifestFor(config);
    assert.equal((await call('PUT', '/v2/gc/app/manifests/v1', { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest })).status, 201);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } }] }));
    assert.equal((await call('PUT', '/v2/gc/app/manifests/all', { headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: index })).status, 201);

    gc();
    for (const blob of [loose, layer, config, manifest, index]) assert.ok(server.test.engine.content.has(sha(blob)), `kept ${sha(blob)}`);
    assert.equal((await call('DELETE', `/v2/gc/app/blobs/${sha(loose)}`)).status, 202);
    assert.ok(gc().blobs.includes(sha(loose)));
    assert.equal(server.test.engine.content.has(sha(loose)), false);
    assert.equal((await call('GET', '/v2/gc/app/manifests/all')).status, 200);
  });

  it('refuses a manifest whose layer is not the one its config names, recording nothing', async () => {
    assert.equal((await pushBlob('bad/layer', layer)).status, 201);
    const config = configWith([sha('some other tar')]);
    assert.equal((await pushBlob('bad/layer', config)).status, 201);
    const manifest = manifestFor(config);
    const res = await call('PUT', '/v2/bad/layer/manifests/v1', { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_INVALID');
    assert.equal(server.test.engine.content.has(sha(manifest)), false);
    assert.throws(() => server.test.engine.images.resolve('bad/layer:v1'), /not found/);
    assert.equal((await call('GET', '/v2/bad/layer/manifests/v1')).status, 404);
  });

  it('drops an upload whose client disconnects mid-chunk, file and all', async () => {
    const start = await call('POST', '/v2/drop/app/blobs/uploads/');
    const location = start.headers.get('location')!;
    const request = http.request(`${server.url}${location}`, { method: 'PATCH', headers: { authorization: basic('alice'), 'content-type': 'application/octet-stream' } });
    request.on('error', () => {});
    request.write(Buffer.alloc(256 * 1024, 1));
    await sleep(200);
    request.destroy();
    await sleep(300);
    assert.deepEqual(fs.readdirSync(path.join(server.test.dataDir, 'content', 'ingest')), []);
    assert.equal((await call('GET', location)).status, 404);
  });

  it('keeps its raw body parser to itself: JSON routes mounted beside it still get parsed bodies', async () => {
    const test = openTestEngine('registry-beside');
    // Shaped like the cloud's listener: a 1 MiB body limit and ignoreTrailingSlash.
    const app = Fastify({ bodyLimit: 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
    try {
      const auth = new StaticAuthenticator();
      auth.add('alice:pw');
      await app.register(registryApi, { prefix: '/v2', engine: test.engine, auth });
      app.post('/identity/echo', async (request) => ({ got: request.body }));
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const echo = await fetch(`http://127.0.0.1:${port}/identity/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      assert.deepEqual(await echo.json(), { got: { a: 1 } });
      assert.equal(echo.headers.get('docker-distribution-api-version'), null);
      const blob = Buffer.from('{"looks":"like json but is a blob"}');
      const put = await fetch(`http://127.0.0.1:${port}/v2/side/app/blobs/uploads/?digest=${sha(blob)}`, {
        method: 'POST', headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`, 'content-type': 'application/json' }, body: blob,
      });
      assert.equal(put.status, 201);
      assert.deepEqual(test.engine.content.readAll(sha(blob)), blob);
      // Blobs are streamed, so the listener's JSON body limit does not apply to them.
      const big = crypto.randomBytes(3 * 1024 * 1024);
      const bigPut = await fetch(`http://127.0.0.1:${port}/v2/side/app/blobs/uploads/?digest=${sha(big)}`, {
        method: 'POST', headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`, 'content-type': 'application/octet-stream' }, body: big,
      });
      assert.equal(bigPut.status, 201);
      assert.equal(test.engine.content.info(sha(big)).size, big.length);
    } finally {
      await app.close();
      test.destroy();
    }
  });
});
