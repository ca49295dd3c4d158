/**
 * A pull whose layer the unpack worker refuses: the image is built by GNU tar and pushed by
 * skopeo (gzip layers; this one over a MiB, so it is unpacked on the worker thread while it
 * downloads).
 * The refusal must surface as the same category the unpacker throws, name the entry, and
 * leave the store as it was: no blob, no layer directory, no half-unpacked directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { pullImage } from '../../../engine/registry/pull.js';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { skopeoPush, storeSnapshot } from './registry-fixture.js';

describe('engine/registry/pull of a layer the unpacker refuses', () => {
  let work: string;
  let registry: RegistryPeer;
  let t: TestEngine;

  before(async () => {
    work = makeTempDir('pull-refused');
    registry = await startRegistry();
    const base = path.join(work, 'busybox');
    makeBusyboxRootfs(base);
    // A block device node: GNU tar archives it as it is, and pulls refuse device nodes.
    const top = path.join(work, 'top');
    fs.mkdirSync(path.join(top, 'dev'), { recursive: true });
    execFileSync('mknod', [path.join(top, 'dev/disk'), 'b', '8', '0']);
    // Incompressible bytes make the layer big enough (over a MiB) to be unpacked on the worker.
    fs.writeFileSync(path.join(top, 'noise'), crypto.randomBytes(1536 * 1024));
    const archive = path.join(work, 'devices.tar');
    buildDockerArchive(archive, { layers: [{ dir: base }, { dir: top }], tags: ['fixture/devices:latest'], workDir: work });
    skopeoPush(archive, `${registry.host}/team/devices:1`);
  });
  after(async () => {
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(() => {
    t = openTestEngine('pull-refused');
  });
  afterEach(() => t.destroy());

  it('fails with InvalidArgumentError naming the device entry and stores nothing of the image', async () => {
    const before = storeSnapshot(t.dataDir);
    await assert.rejects(pullImage(t.engine, `${registry.host}/team/devices:1`), (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, `${err.name}: ${err.message}`);
      assert.match(err.message, /layer entry '(\.\/)?dev\/disk': block-device 8:0 is not allowed/);
      return true;
    });
    assert.deepEqual(storeSnapshot(t.dataDir), before, 'no blob and no layer directory left');
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(t.engine.layers.list(), []);
  });
});
