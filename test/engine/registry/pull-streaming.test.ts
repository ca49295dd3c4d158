import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pullImage } from '../../../engine/registry/pull.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { type RegistryProxy, startRegistryProxy, upstreamBlob } from '../../helpers/registry-proxy.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { type FixtureImage, fixtureImage, rawManifest, skopeoPush, storeSnapshot } from './registry-fixture.js';

/** The last bytes of the blob, held back until the test lets them go. */
const heldBack = 1024;

describe('engine/registry/pull unpacks layers while they download', () => {
  let work: string;
  let registry: RegistryPeer;
  let proxy: RegistryProxy;
  let image: FixtureImage;
  let baseLayer: string;
  let t: TestEngine;

  before(async () => {
    work = makeTempDir('pull-streaming');
    registry = await startRegistry();
    proxy = await startRegistryProxy(registry.host);
    image = fixtureImage(work, 'streamed');
    skopeoPush(image.archive, `${registry.host}/team/app:1`);
    baseLayer = (JSON.parse(rawManifest(`${registry.host}/team/app:1`).toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(() => {
    t = openTestEngine('pull-streaming');
    proxy.intercept = undefined;
  });
  afterEach(() => t.destroy());

  const layersDir = (): string => path.join(t.dataDir, 'layers');
  const blobPath = (digest: string): string => path.join(t.dataDir, 'content/blobs/sha256', digest.slice('sha256:'.length));
  /** Unpack directories in progress that already hold the base layer's busybox. */
  const unpacking = (): string[] =>
    fs.readdirSync(layersDir()).filter((name) => name.startsWith('.tmp-') && fs.existsSync(path.join(layersDir(), name, 'bin/busybox')));

  /** Serves the base layer but for its last bytes, which go out (changed by `alter`) once `release` resolves. */
  function holdBaseLayer(release: Promise<void>, alter: (rest: Buffer) => Buffer = (rest) => rest): void {
    proxy.intercept = async (req: http.IncomingMessage, res: http.ServerResponse, upstream: string) => {
      if (req.method !== 'GET' || req.url !== `/v2/team/app/blobs/${baseLayer}`) return false;
      const bytes = await upstreamBlob(upstream, 'team/app', baseLayer);
      res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
      res.write(bytes.subarray(0, bytes.length - heldBack));
      void release.then(() => res.end(alter(Buffer.from(bytes.subarray(bytes.length - heldBack)))));
      return true;
    };
  }

  async function untilUnpacking(): Promise<void> {
    for (let i = 0; i < 200 && unpacking().length === 0; i++) await sleep(50);
    assert.equal(unpacking().length, 1, 'the layer is being unpacked before its blob has arrived');
  }

  it('writes the layer while its blob is still arriving, and keeps it only once the blob is verified', async () => {
    let release!: () => void;
    holdBaseLayer(new Promise((resolve) => (release = resolve)));
    const pulling = pullImage(t.engine, `${proxy.host}/team/app:1`);
    try {
      await untilUnpacking();
      assert.equal(fs.existsSync(blobPath(baseLayer)), false, 'the blob is not stored before its last bytes');
      assert.deepEqual(t.engine.layers.list(), [], 'no layer is recorded before its blob is verified');
    } finally {
      release();
    }
    const result = await pulling;
    assert.equal(result.image.id, image.configDigest);
    assert.equal(fs.existsSync(blobPath(baseLayer)), true);
    const layers = t.engine.layers.chain(result.image.topLayer!);
    assert.deepEqual(layers.map((l) => l.diffId), image.diffIds);
    assert.ok(fs.existsSync(path.join(layers[0]!.dir, 'bin/busybox')));
    assert.deepEqual(fs.readdirSync(layersDir()).filter((name) => name.startsWith('.tmp-')), []);
  });

  it('drops the half-unpacked layer when the blob fails its digest at the end', async () => {
    const before = storeSnapshot(t.dataDir);
    let release!: () => void;
    holdBaseLayer(new Promise((resolve) => (release = resolve)), (rest) => {
      rest[rest.length - 100]! ^= 0xff;
      return rest;
    });
    const pulling = pullImage(t.engine, `${proxy.host}/team/app:1`);
    try {
      await untilUnpacking();
    } finally {
      release();
    }
    await assert.rejects(pulling, /digest mismatch/);
    assert.deepEqual(storeSnapshot(t.dataDir), before, 'no blob and no layer directory left');
    assert.deepEqual(t.engine.images.list(), []);
  });
});
