import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { DirectorySink, TarSink } from '../../../engine/images/archive/layout-sink.js';
import { saveDockerArchive } from '../../../engine/images/archive/save-docker-archive.js';
import { saveOciLayout } from '../../../engine/images/archive/save-oci-layout.js';
import type { ImageRecord } from '../../../engine/images/image-store.js';
import { buildDockerArchive, makeWhiteoutLayers } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('engine/images/archive/save', () => {
  let work: string;
  let t: TestEngine;
  let image: ImageRecord;
  let diffIds: string[];

  before(() => {
    work = makeTempDir('save-fixtures');
    const { base, top } = makeWhiteoutLayers(work);
    diffIds = buildDockerArchive(path.join(work, 'in.tar'), { layers: [{ dir: base }, { dir: top, gzip: true }], tags: ['fixture/save:1'], env: ['PATH=/bin', 'GREETING=hi'], workDir: work }).diffIds;
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    t = openTestEngine('save');
    [image] = (await loadImageArchive(t.engine, fs.createReadStream(path.join(work, 'in.tar')))) as [ImageRecord];
  });
  afterEach(() => t.destroy());

  /** Loads `archive` into a fresh store and checks it is the same image under the same name. */
  async function assertLoadsBackAsSameImage(archive: string, label: string): Promise<void> {
    const other = openTestEngine(label);
    try {
      const [again] = await loadImageArchive(other.engine, fs.createReadStream(archive));
      assert.equal(again!.id, image.id);
      assert.deepEqual(again!.refs, ['fixture/save:1']);
    } finally {
      other.destroy();
    }
  }

  it('writes a docker-archive that skopeo reads, with the same layers and config', async () => {
    const out = path.join(work, 'out.tar');
    await saveDockerArchive(t.engine, [{ image, refs: image.refs }], fs.createWriteStream(out));
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}`], { encoding: 'utf8' }));
    assert.deepEqual(info.Layers, diffIds, 'docker-archive layers are the uncompressed tars, so digests are diff IDs');
    assert.ok(info.Env.includes('GREETING=hi'));
    // A full copy makes skopeo read and verify every blob.
    const copy = path.join(work, 'copied');
    execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${out}`, `dir:${copy}`]);
    assert.ok(fs.existsSync(path.join(copy, 'manifest.json')));
    fs.rmSync(copy, { recursive: true });
  });

  it('round-trips through its own docker-archive to the same image ID', async () => {
    const out = path.join(work, 'round.tar');
    await saveDockerArchive(t.engine, [{ image, refs: image.refs }], fs.createWriteStream(out));
    await assertLoadsBackAsSameImage(out, 'save-round');
  });

  it('writes an OCI layout that umoci unpacks with whiteouts applied', async () => {
    const layout = path.join(work, 'oci-dir');
    await saveOciLayout(t.engine, [{ image, refs: image.refs }], new DirectorySink(layout));
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${layout}:1`], { encoding: 'utf8' }));
    assert.equal(info.Layers.length, 2);
    const bundle = path.join(work, 'bundle');
    execFileSync('umoci', ['unpack', '--image', `${layout}:1`, bundle], { stdio: 'pipe' });
    const rootfs = path.join(bundle, 'rootfs');
    assert.ok(fs.existsSync(path.join(rootfs, 'bin/busybox')));
    assert.equal(fs.existsSync(path.join(rootfs, 'etc/motd')), false, 'a file whited out in layer 2 is gone');
    assert.deepEqual(fs.readdirSync(path.join(rootfs, 'data')), ['new'], 'an opaque dir hides the lower contents');
    fs.rmSync(bundle, { recursive: true });
    fs.rmSync(layout, { recursive: true });
  });

  it('writes an OCI layout tarball that loads back as the same image', async () => {
    const out = path.join(work, 'oci.tar');
    await saveOciLayout(t.engine, [{ image, refs: image.refs }], new TarSink(fs.createWriteStream(out)));
    await assertLoadsBackAsSameImage(out, 'save-oci-round');
  });
});
