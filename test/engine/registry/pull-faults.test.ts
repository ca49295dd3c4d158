import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { digestOf } from '../../../engine/content/digest.js';
import { MediaTypes } from '../../../engine/images/media-types.js';
import { pullImage } from '../../../engine/registry/pull.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { forward, type RegistryProxy, startRegistryProxy, upstreamBlob } from '../../helpers/registry-proxy.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { type FixtureImage, fixtureImage, rawManifest, skopeoPush, storeSnapshot } from './registry-fixture.js';

describe('engine/registry/pull when the registry misbehaves', () => {
  let work: string;
  let registry: RegistryPeer;
  let proxy: RegistryProxy;
  let image: FixtureImage;
  let baseLayer: string;
  let t: TestEngine;

  before(async () => {
    work = makeTempDir('pull-faults');
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.host);
    image = fixtureImage(work, 'faulty');
    skopeoPush(image.archive, `${registry.host}/team/app:1`);
    baseLayer = (JSON.parse(rawManifest(`${registry.host}/team/app:1`).toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(() => {
    t = openTestEngine('pull-faults');
    proxy.seen.length = 0;
    proxy.intercept = undefined;
  });
  afterEach(() => t.destroy());

  const isBlob = (url: string | undefined, digest: string): boolean => url === `/v2/team/app/blobs/${digest}`;
  const ingests = (): string[] => fs.readdirSync(path.join(t.dataDir, 'content/ingest'));

  it('resumes a blob download with Range after the connection drops mid-blob', async () => {
    let dropped = false;
    proxy.intercept = async (req, res, upstream) => {
      if (dropped || req.method !== 'GET' || !isBlob(req.url, baseLayer)) return false;
      dropped = true;
      const bytes = await upstreamBlob(upstream, 'team/app', baseLayer);
      res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
      return true;
    };
    const result = await pullImage(t.engine, `${proxy.host}/team/app:1`);
    assert.equal(result.image.id, image.configDigest);
    assert.ok(dropped);
    const resumed = proxy.seen.filter((r) => isBlob(r.url, baseLayer));
    assert.equal(resumed.length, 2);
    assert.match(String(resumed[1]!.headers.range), /^bytes=\d+-$/);
    assert.deepEqual(ingests(), []);
  });

  it('still gets the blob right when the retry ignores Range and sends it whole', async () => {
    let calls = 0;
    proxy.intercept = async (req, res, upstream) => {
      if (req.method !== 'GET' || !isBlob(req.url, baseLayer)) return false;
      const bytes = await upstreamBlob(upstream, 'team/app', baseLayer);
      res.writeHead(200, { 'content-length': bytes.length });
      if (++calls === 1) res.write(bytes.subarray(0, 1000), () => res.socket?.destroy());
      else res.end(bytes);
      return true;
    };
    const result = await pullImage(t.engine, `${proxy.host}/team/app:1`);
    assert.equal(result.image.id, image.configDigest);
    assert.equal(calls, 2);
  });

  it('retries a blob the registry failed to serve (503) once', async () => {
    let failed = 0;
    proxy.intercept = (req, res) => {
      if (failed > 0 || req.method !== 'GET' || !isBlob(req.url, baseLayer)) return false;
      failed++;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
      return true;
    };
    const result = await pullImage(t.engine, `${proxy.host}/team/app:1`);
    assert.equal(result.image.id, image.configDigest);
    assert.equal(proxy.seen.filter((r) => isBlob(r.url, baseLayer)).length, 2);
  });

  it('gives up on a blob that keeps failing, naming it, and stores nothing', async () => {
    proxy.intercept = (req, res) => {
      if (req.method !== 'GET' || !isBlob(req.url, baseLayer)) return false;
      res.writeHead(503).end();
      return true;
    };
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app:1`), new RegExp(`blob ${baseLayer}: download failed after 5 attempts`));
    assert.deepEqual(storeSnapshot(t.dataDir), { blobs: [], layers: [] });
    assert.deepEqual(t.engine.images.list(), []);
  });

  it('refuses a blob whose bytes do not match its digest, and stores nothing', async () => {
    const before = storeSnapshot(t.dataDir);
    proxy.intercept = async (req, res, upstream) => {
      if (req.method !== 'GET' || !isBlob(req.url, baseLayer)) return false;
      const bytes = Buffer.from(await upstreamBlob(upstream, 'team/app', baseLayer));
      bytes[bytes.length - 20] ^= 0xff;
      res.writeHead(200, { 'content-length': bytes.length });
      res.end(bytes);
      return true;
    };
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app:1`), /digest mismatch/);
    assert.deepEqual(storeSnapshot(t.dataDir), before, 'no blob and no layer directory left');
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(ingests(), []);
  });

  it('falls back to GET when the registry does not allow HEAD on manifests', async () => {
    proxy.intercept = (req, res) => {
      if (req.method !== 'HEAD' || !req.url?.includes('/manifests/')) return false;
      res.writeHead(405).end();
      return true;
    };
    const result = await pullImage(t.engine, `${proxy.host}/team/app:1`);
    assert.equal(result.image.id, image.configDigest);
    assert.ok(proxy.seen.some((r) => r.method === 'GET' && r.url === '/v2/team/app/manifests/1'));
  });

  it('refuses a manifest over 4 MiB, whether HEAD announces its size or not', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    let gets = 0;
    proxy.intercept = (req, res) => {
      if (!req.url?.startsWith('/v2/team/app/manifests/big')) return false;
      const announce = req.url.endsWith('big-announced');
      if (req.method === 'GET') gets++;
      res.writeHead(200, { 'content-type': MediaTypes.dockerManifest, ...(announce && { 'content-length': big.length }) });
      if (req.method === 'HEAD') res.end();
      else res.end(big);
      return true;
    };
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app:big-announced`), /over the 4194304-byte limit/);
    assert.equal(gets, 0, 'refused on HEAD, never fetched');
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app:big-streamed`), /over the 4194304-byte limit/);
    assert.deepEqual(storeSnapshot(t.dataDir), { blobs: [], layers: [] });
  });

  it('refuses an index that also claims layers, and a manifest that is not the digest asked for', async () => {
    const manifest = JSON.parse(rawManifest(`${registry.host}/team/app:1`).toString()) as { layers: unknown[] };
    const evil = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [], layers: manifest.layers }));
    proxy.intercept = (req, res, upstream) => {
      if (req.url === '/v2/team/app/manifests/evil') {
        res.writeHead(200, { 'content-type': MediaTypes.ociIndex, 'content-length': evil.length, 'docker-content-digest': digestOf(evil) });
        res.end(req.method === 'HEAD' ? undefined : evil);
        return true;
      }
      if (req.url?.startsWith('/v2/team/app/manifests/sha256:')) {
        // Whatever digest is asked for, answer with tag 1's manifest.
        req.url = '/v2/team/app/manifests/1';
        forward(req, res, upstream);
        return true;
      }
      return false;
    };
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app:evil`), /must not also have config or layers/);
    await assert.rejects(pullImage(t.engine, `${proxy.host}/team/app@${digestOf('something else')}`), /expected sha256:/);
    assert.deepEqual(storeSnapshot(t.dataDir), { blobs: [], layers: [] });
  });
});
