/**
 * A pull whose layer blob is what the manifest names (its digest is right) but is not
 * valid gzip: its CRC is wrong, it is cut short, or its deflate data is damaged. The layer
 * is over a MiB, so igzip decodes it while it downloads and the native unpacker reads the
 * output on the worker thread. The pull must fail as bad input and store nothing: no blob,
 * no layer directory, no image, no ingest file.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { MediaTypes } from '../../../engine/images/media-types.js';
import { pullImage } from '../../../engine/registry/pull.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { tarOf } from '../layers/layer-fixtures.js';
import { storeSnapshot } from './registry-fixture.js';

const digest = (bytes: Buffer): string => `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;

/** Uploads `bytes` as a blob of `repo` (monolithic POST then PUT, as any client may). */
async function upload(host: string, repo: string, bytes: Buffer): Promise<string> {
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(start.headers.get('location')!, `http://${host}`);
  location.searchParams.set('digest', digest(bytes));
  const put = await fetch(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  assert.equal(put.status, 201, `blob upload: ${put.status}`);
  return digest(bytes);
}

/** Puts `repo:tag`: one layer whose blob is `layerBlob`, and a config naming `tar` as its diff ID. */
async function pushImage(host: string, repo: string, tag: string, tar: Buffer, layerBlob: Buffer): Promise<void> {
  const config = Buffer.from(JSON.stringify({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest(tar)] } }));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifest,
    config: { mediaType: MediaTypes.dockerConfig, digest: await upload(host, repo, config), size: config.length },
    layers: [{ mediaType: MediaTypes.dockerLayerGzip, digest: await upload(host, repo, layerBlob), size: layerBlob.length }],
  };
  const put = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': MediaTypes.dockerManifest }, body: JSON.stringify(manifest) });
  assert.equal(put.status, 201, `manifest put: ${put.status}`);
}

describe('engine/registry/pull of a layer that is not valid gzip', () => {
  let registry: RegistryPeer;
  let tar: Buffer;
  let gz: Buffer;
  let t: TestEngine;

  before(async () => {
    registry = await startRegistry();
    // Incompressible bytes keep the gzip over a MiB: the worker and the native unpacker take it.
    tar = await tarOf([[{ name: 'etc/', type: 'directory' }], [{ name: 'etc/motd', type: 'file' }, 'hello\n'], [{ name: 'noise', type: 'file' }, crypto.randomBytes(1536 * 1024)]]);
    gz = zlib.gzipSync(tar);
  });
  after(async () => {
    await registry?.stop();
  });
  beforeEach(() => {
    t = openTestEngine('pull-corrupt-gzip');
  });
  afterEach(() => t.destroy());

  const damages: { title: string; damage: (bytes: Buffer) => Buffer; says: RegExp }[] = [
    { title: 'a wrong CRC in the trailer', damage: (b) => Buffer.concat([b.subarray(0, b.length - 8), Buffer.from([b[b.length - 8]! ^ 0xff]), b.subarray(b.length - 7)]), says: /not valid gzip/ },
    { title: 'a stream cut short', damage: (b) => b.subarray(0, b.length - 64 * 1024), says: /not valid gzip/ },
    // Damaged deflate data may decode to garbage first: the tar reader or igzip refuses it, whichever sees it first.
    { title: 'damaged deflate data', damage: (b) => Buffer.concat([b.subarray(0, 4096), Buffer.alloc(4096, 0xa5), b.subarray(8192)]), says: /not valid gzip|tar/ },
  ];
  for (const d of damages) {
    it(`fails on ${d.title} as invalid input and stores nothing`, async () => {
      const tag = d.title.replace(/\W+/g, '-');
      await pushImage(registry.host, 'team/corrupt', tag, tar, d.damage(gz));
      const before = storeSnapshot(t.dataDir);
      await assert.rejects(pullImage(t.engine, `${registry.host}/team/corrupt:${tag}`), (err: Error) => {
        assert.ok(err instanceof InvalidArgumentError, `${err.name}: ${err.message}`);
        assert.match(err.message, d.says);
        return true;
      });
      assert.deepEqual(storeSnapshot(t.dataDir), before, 'no blob and no layer directory left');
      assert.deepEqual(t.engine.images.list(), []);
      assert.deepEqual(t.engine.layers.list(), []);
      assert.deepEqual(fs.readdirSync(path.join(t.dataDir, 'content/ingest')), []);
    });
  }

  it('pulls the same layer undamaged, to the diff ID the config names', async () => {
    await pushImage(registry.host, 'team/corrupt', 'intact', tar, gz);
    const result = await pullImage(t.engine, `${registry.host}/team/corrupt:intact`);
    assert.equal(result.downloaded, 2);
    const [layer] = t.engine.layers.list();
    assert.equal(layer?.diffId, digest(tar));
  });
});
