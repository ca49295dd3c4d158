import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { digestOf } from '../../../engine/content/digest.js';
import { MediaTypes } from '../../../engine/images/media-types.js';
import { pullImage } from '../../../engine/registry/pull.js';
import type { TransferEvent } from '../../../engine/registry/transfer-progress.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { type FixtureImage, fixtureImage, rawManifest, skopeoPush } from './registry-fixture.js';

describe('engine/registry/pull against docker-registry', () => {
  let work: string;
  let registry: RegistryPeer;
  let alpha: FixtureImage;
  let beta: FixtureImage;
  let t: TestEngine;

  before(async () => {
    work = makeTempDir('pull-fixtures');
    registry = await startRegistry();
    alpha = fixtureImage(work, 'alpha');
    beta = fixtureImage(work, 'beta');
    skopeoPush(alpha.archive, `${registry.host}/team/alpha:1`);
    skopeoPush(beta.archive, `${registry.host}/team/beta:oci`, { format: 'oci' });
  });
  after(async () => {
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(() => { t = openTestEngine('pull'); });
  afterEach(() => t.destroy());

  it('pulls a Docker schema2 image: same image ID as load, layers unpacked, manifest digest kept', async () => {
    const events: TransferEvent[] = [];
    const result = await pullImage(t.engine, `${registry.host}/team/alpha:1`, { onProgress: (e) => events.push(e) });
    assert.equal(result.image.id, alpha.configDigest, 'the image ID is the config digest, as docker pull gives');
    assert.deepEqual(result.image.refs, [`${registry.host}/team/alpha:1`]);
    const raw = rawManifest(`${registry.host}/team/alpha:1`);
    assert.equal(result.digest, digestOf(raw));
    assert.equal(result.image.manifestDigest, digestOf(raw));
    assert.equal(JSON.parse(raw.toString()).mediaType, MediaTypes.dockerManifest);
    const chain = t.engine.layers.chain(result.image.topLayer!);
    assert.deepEqual(chain.map((l) => l.diffId), alpha.diffIds);
    assert.equal(fs.readFileSync(path.join(chain[1]!.dir, 'srv/marker'), 'utf8'), 'alpha\n');
    assert.equal(result.downloaded, 3, 'config and two layers');
    assert.ok(events.some((e) => e.status === 'Pull complete'));
    assert.equal(t.engine.images.resolve(`${registry.host}/team/alpha:1`).id, alpha.configDigest);
  });

  it('pulls an OCI image by digest and finds it by that digest', async () => {
    const raw = rawManifest(`${registry.host}/team/beta:oci`);
    const digest = digestOf(raw);
    const manifest = JSON.parse(raw.toString()) as { mediaType: string; config: { digest: string } };
    assert.equal(manifest.mediaType, MediaTypes.ociManifest);
    const result = await pullImage(t.engine, `${registry.host}/team/beta@${digest}`);
    // skopeo rewrote the config as an OCI config, so the ID is that config's digest.
    assert.equal(result.image.id, manifest.config.digest);
    assert.deepEqual(t.engine.layers.chain(result.image.topLayer!).map((l) => l.diffId), beta.diffIds);
    assert.deepEqual(result.image.refs, [`${registry.host}/team/beta@${digest}`]);
    assert.equal(t.engine.images.resolve(`${registry.host}/team/beta@${digest}`).id, manifest.config.digest);
  });

  it('does not fetch blobs it already has: a second image sharing the base downloads only what differs', async () => {
    await pullImage(t.engine, `${registry.host}/team/alpha:1`);
    const again = await pullImage(t.engine, `${registry.host}/team/alpha:1`);
    assert.equal(again.downloaded, 0);
    const events: TransferEvent[] = [];
    // "Extracting" is said while the layer is still being unpacked, not once it is kept.
    const layersWhenExtracting: number[] = [];
    const onProgress = (e: TransferEvent): void => {
      events.push(e);
      if (e.status === 'Extracting') layersWhenExtracting.push(t.engine.layers.list().length);
    };
    const second = await pullImage(t.engine, `${registry.host}/team/beta:oci`, { onProgress });
    // skopeo compresses the same busybox tar to the same gzip bytes, so only config + top layer differ.
    assert.equal(second.downloaded, 2);
    const [base, top] = (JSON.parse(rawManifest(`${registry.host}/team/beta:oci`).toString()) as { layers: { digest: string }[] }).layers.map((l) => l.digest.slice(7, 19));
    assert.deepEqual(events.filter((e) => e.id === base).map((e) => e.status), ['Already exists']);
    assert.deepEqual(events.filter((e) => e.id === top && e.status !== 'Downloading').map((e) => e.status), ['Waiting', 'Download complete', 'Extracting', 'Pull complete']);
    assert.deepEqual(layersWhenExtracting, [t.engine.layers.list().length - 1]);
  });

  it('pulls the platform asked for from an index, and refuses one it does not have', async () => {
    const alphaManifest = rawManifest(`${registry.host}/team/alpha:1`);
    // Both images into one repository, then an OCI index over them, made by hand.
    skopeoPush(alpha.archive, `${registry.host}/team/multi:amd`);
    skopeoPush(beta.archive, `${registry.host}/team/multi:arm`);
    const betaManifest = rawManifest(`${registry.host}/team/multi:arm`);
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const other = host === 'amd64' ? 'arm64' : 'amd64';
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: digestOf(alphaManifest), size: alphaManifest.length, platform: { os: 'linux', architecture: host } },
        { mediaType: MediaTypes.dockerManifest, digest: digestOf(betaManifest), size: betaManifest.length, platform: { os: 'linux', architecture: other } },
      ],
    };
    const indexBytes = Buffer.from(JSON.stringify(index));
    const put = await fetch(`http://${registry.host}/v2/team/multi/manifests/multi`, { method: 'PUT', headers: { 'content-type': MediaTypes.ociIndex }, body: indexBytes });
    assert.equal(put.status, 201);

    const native = await pullImage(t.engine, `${registry.host}/team/multi:multi`);
    assert.equal(native.image.id, alpha.configDigest, 'this machine\'s platform by default');
    assert.equal(native.digest, digestOf(indexBytes), 'the digest reported is the index\'s');
    assert.equal(native.image.manifestDigest, digestOf(alphaManifest));
    const foreign = await pullImage(t.engine, `${registry.host}/team/multi:multi`, { platform: `linux/${other}` });
    assert.equal(foreign.image.id, beta.configDigest);
    assert.equal(fs.readFileSync(path.join(t.engine.layers.require(foreign.image.topLayer!).dir, 'srv/marker'), 'utf8'), 'beta\n');
    await assert.rejects(pullImage(t.engine, `${registry.host}/team/multi:multi`, { platform: 'linux/s390x' }), /has no image for linux\/s390x/);
  });

  it('refuses a reference without a registry host when no default is configured, and an unknown tag', async () => {
    await assert.rejects(pullImage(t.engine, 'team/alpha:1'), /no default registry is configured/);
    await assert.rejects(pullImage(t.engine, `${registry.host}/team/alpha:nope`), /not found/);
    assert.equal(t.engine.images.list().length, 0);
  });

  it('keeps a blob with random bytes verbatim: the stored layer blob hashes to its digest', async () => {
    const result = await pullImage(t.engine, `${registry.host}/team/alpha:1`);
    const manifest = JSON.parse(t.engine.content.readAll(result.image.manifestDigest!).toString()) as { layers: { digest: string }[] };
    for (const layer of manifest.layers) {
      const hash = crypto.createHash('sha256').update(fs.readFileSync(t.engine.content.blobPath(layer.digest))).digest('hex');
      assert.equal(`sha256:${hash}`, layer.digest);
    }
  });
});
