/**
 * The Glance translator as Nova uses it, in-process over a real engine: snapshot records
 * listed while queued, completed over an engine image or failed (shown as `error`), boot
 * references only for active container images, and OCI layouts uploaded as `bare` images.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../helpers/cli.js';
import { openTestEngine, readAllBytes, type TestEngine } from '../../helpers/test-engine.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type CloudDatabase, openCloudDatabase } from '../../../api/http/cloud-database.js';
import type { RequestContext } from '../../../api/http/request-context.js';
import { InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { GlanceImages, glanceImageView } from '../../../translators/image/index.js';
import { busyboxArchive, md5 } from './glance-fixtures.js';

const context = (projectId: string, roles: string[]): RequestContext => ({
  tokenId: 't', userId: `u-${projectId}`, userName: 'user', userDomainId: 'default', projectId, projectName: projectId, roles, expiresAt: new Date(Date.now() + 3600_000),
});

describe('GlanceImages (the translator Nova boots from)', function () {
  this.timeout(120_000);
  let te: TestEngine;
  let work: string;
  let db: CloudDatabase;
  let images: GlanceImages;
  const alice = context('p-alice', ['member']);
  const bob = context('p-bob', ['member']);

  before(() => {
    te = openTestEngine('glance-translator');
    work = makeTempDir('glance-translator-work');
    db = openCloudDatabase(path.join(te.dataDir, 'cloud'));
    images = new GlanceImages(db, te.engine, { adminProjectId: () => 'p-admin' });
  });
  after(() => {
    db?.close();
    te?.destroy();
    if (work) removeTempDir(work);
  });

  it('a snapshot is listed while queued, then active over the committed engine image and bootable', async () => {
    const snap = images.createSnapshotRecord(alice, { name: 'snap1', properties: { instance_uuid: 'abc' }, minRam: 128, minDisk: 1 });
    const listed = images.list(alice).find((i) => i.id === snap.id);
    assert.equal(listed?.status, 'queued');
    assert.equal(listed.properties.image_type, 'snapshot');
    assert.throws(() => images.bootReference(listed), InvalidArgumentError);
    // The commit's image lands in the store; a list racing the completion must not publish it as a store image.
    const archive = busyboxArchive(work, 'committed:1', 'snapshot\n');
    const [committed] = await loadImageArchive(te.engine, fs.createReadStream(archive.file));
    assert.ok(!images.list(bob).some((i) => i.engineImageId === committed!.id));
    images.completeSnapshot(snap.id, committed!.id);
    const done = images.find(alice, snap.id);
    assert.equal(done.status, 'active');
    assert.equal(done.minRam, 128);
    assert.ok(done.size! > 1_000_000);
    assert.equal(images.bootReference(done), committed!.id);
    assert.equal(images.bootReference(alice, snap.id), committed!.id);
    assert.deepEqual(images.list(context('p-admin', ['admin']), { limit: 1000 }).filter((i) => i.engineImageId === committed!.id).map((i) => i.id), [snap.id]);
    assert.throws(() => images.find(bob, snap.id), NotFoundError, 'snapshots are private to their project');
  });

  it('a snapshot deleted while its commit ran does not leave the committed image to be listed', async () => {
    const snap = images.createSnapshotRecord(alice, { name: 'gone', properties: {}, minRam: 0, minDisk: 0 });
    images.delete(alice, snap.id);
    const archive = busyboxArchive(work, 'orphan:1', 'orphaned snapshot\n');
    const [committed] = await loadImageArchive(te.engine, fs.createReadStream(archive.file));
    images.list(bob);
    assert.throws(() => images.completeSnapshot(snap.id, committed!.id), NotFoundError);
    assert.throws(() => te.engine.images.get(committed!.id), NotFoundError);
    assert.ok(!images.list(bob).some((i) => i.engineImageId === committed!.id));
  });

  it('store images wait to be listed while a snapshot is pending, and a restart fails a snapshot left queued', async () => {
    const snap = images.createSnapshotRecord(alice, { name: 'pending', properties: {}, minRam: 0, minDisk: 0 });
    const archive = busyboxArchive(work, 'meanwhile:1', 'loaded during a snapshot\n');
    const [loaded] = await loadImageArchive(te.engine, fs.createReadStream(archive.file));
    assert.ok(!images.list(bob).some((i) => i.engineImageId === loaded!.id));
    assert.deepEqual(images.recover(), [snap.id]);
    assert.equal(glanceImageView(images.find(alice, snap.id)).status, 'error');
    assert.ok(images.list(bob).some((i) => i.engineImageId === loaded!.id && i.name === 'meanwhile:1'));
  });

  it('a failed snapshot is shown as error, which the SDK wait treats as failure', () => {
    const snap = images.createSnapshotRecord(alice, { name: 'snap2', properties: {}, minRam: 0, minDisk: 0 });
    images.failSnapshot(snap.id, 'commit failed: container gone');
    const failed = images.find(alice, snap.id);
    assert.equal(failed.status, 'killed');
    assert.equal(glanceImageView(failed).status, 'error');
    assert.throws(() => images.bootReference(failed), InvalidArgumentError);
  });

  it('an opaque raw disk is kept but not bootable', async () => {
    const image = images.create(alice, { name: 'disk', container_format: 'bare', disk_format: 'qcow2' });
    const bytes = Buffer.from('QFI\xfb not really qcow2');
    const active = await images.upload(alice, image.id, Readable.from([bytes]));
    assert.equal(active.opaqueData, true);
    assert.throws(() => images.bootReference(active), /not bootable/);
    const data = await images.download(alice, image.id);
    assert.equal(data?.md5, md5(bytes));
    assert.ok((await readAllBytes(data!.open())).equals(bytes));
  });

  it('an OCI layout uploaded as a bare image is loaded, bootable, and downloads as an OCI layout', async () => {
    const archive = busyboxArchive(work, 'ocisrc:1', 'oci layout\n');
    const [source] = await loadImageArchive(te.engine, fs.createReadStream(archive.file));
    const layout = path.join(work, 'layout.tar');
    const other = makeTempDir('glance-translator-oci');
    try {
      assert.equal((await runCli(other, ['load', '-i', archive.file])).code, 0);
      const saved = await runCli(other, ['save', '--format', 'oci', '-o', layout, 'ocisrc:1']);
      assert.equal(saved.code, 0, saved.stderr);
    } finally {
      removeTempDir(other);
    }
    const image = images.create(alice, { name: 'oci', container_format: 'bare', disk_format: 'raw' });
    const active = await images.upload(alice, image.id, fs.createReadStream(layout));
    assert.equal(active.opaqueData, false);
    assert.equal(images.bootReference(active), source!.id);
    const data = await images.download(alice, image.id);
    const bytes = await readAllBytes(data!.open());
    assert.equal(md5(bytes), data!.md5);
    assert.ok(bytes.includes(Buffer.from('oci-layout')) && !bytes.includes(Buffer.from('manifest.json')), 'an OCI layout, as uploaded');
  });

  it('an image deleted while its data streams in leaves no engine image behind to be listed publicly', async () => {
    const archive = busyboxArchive(work, 'vanishing:1', 'deleted mid-upload\n');
    const bytes = fs.readFileSync(archive.file);
    const image = images.create(alice, { name: 'vanishing', container_format: 'docker', disk_format: 'raw', visibility: 'private' });
    let deleted!: () => void;
    const gate = new Promise<void>((resolve) => { deleted = resolve; });
    async function* slowly(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, 1024 * 1024);
      await gate;
      yield bytes.subarray(1024 * 1024);
    }
    const upload = images.upload(alice, image.id, slowly());
    await new Promise((r) => setTimeout(r, 50));
    images.delete(alice, image.id);
    deleted();
    await assert.rejects(upload, NotFoundError);
    assert.throws(() => te.engine.images.get(archive.configDigest), NotFoundError);
    assert.ok(!images.list(bob).some((i) => i.engineImageId === archive.configDigest));
  });

  it('deleting a Glance image keeps an engine image another record still uses', async () => {
    const archive = busyboxArchive(work, 'twice:1', 'uploaded twice\n');
    const first = images.create(alice, { name: 'first', container_format: 'docker', disk_format: 'raw' });
    const second = images.create(alice, { name: 'second', container_format: 'docker', disk_format: 'raw' });
    const a = await images.upload(alice, first.id, fs.createReadStream(archive.file));
    const b = await images.upload(alice, second.id, fs.createReadStream(archive.file));
    assert.equal(a.engineImageId, b.engineImageId);
    images.delete(alice, first.id);
    assert.ok(te.engine.images.get(b.engineImageId!));
    images.delete(alice, second.id);
    assert.throws(() => te.engine.images.get(b.engineImageId!), NotFoundError);
  });
});
