/**
 * Glance as the real `openstack` CLI uses it, against a real `intermodal serve`: a busybox
 * docker-archive uploaded with `image create` boots from the engine's store, downloads as
 * an archive the engine loads to the same image, and every image the engine holds is
 * listed; tenants are isolated and a reader only looks.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { blobCount, busyboxArchive, engineImageIds, glance, md5, rawRequest } from './glance-fixtures.js';

type ImageRow = { ID: string; Name: string; Status: string };

describe('Glance v2 with the real openstack CLI', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  let bb: { file: string; configDigest: string };
  const listed = async (auth?: { username: string; password: string; project: string }): Promise<ImageRow[]> =>
    JSON.parse(await cloud.openstack(['image', 'list', '-f', 'json'], auth)) as ImageRow[];
  const show = async (name: string): Promise<Record<string, any>> => JSON.parse(await cloud.openstack(['image', 'show', name, '-f', 'json'])) as Record<string, any>;

  before(async () => {
    cloud = await startTestCloud('glance-cli');
    work = makeTempDir('glance-cli-work');
    bb = busyboxArchive(work, 'bb:latest');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('image create --file a docker-archive: active at once, backed by the engine image, and listed', async () => {
    const started = process.hrtime.bigint();
    const created = JSON.parse(await cloud.openstack(['image', 'create', '--file', bb.file, '--container-format', 'docker', '--disk-format', 'raw', 'bb', '-f', 'json'])) as { id: string };
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`      upload+unpack of a ${fs.statSync(bb.file).size}-byte busybox archive through the CLI: ${ms.toFixed(0)} ms`);
    const rows = await listed();
    assert.deepEqual(rows.filter((r) => r.Name === 'bb').map((r) => [r.ID, r.Status]), [[created.id, 'active']]);
    const image = await show('bb');
    assert.ok(image.size > 1_000_000);
    assert.equal(image.container_format, 'docker');
    assert.match(image.checksum, /^[a-f0-9]{32}$/);
    assert.ok((await engineImageIds(cloud.dataDir)).includes(bb.configDigest), 'the upload is loaded into the engine store');
  });

  it('image save writes a docker-archive that the engine loads to the same image id', async () => {
    const out = path.join(work, 'saved.tar');
    const started = process.hrtime.bigint();
    await cloud.openstack(['image', 'save', '--file', out, 'bb']);
    console.log(`      download of bb through the CLI: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms`);
    const image = await show('bb');
    assert.equal(md5(fs.readFileSync(out)), image.checksum, 'checksum describes the bytes a download sends');
    assert.equal(fs.statSync(out).size, image.size);
    const other = makeTempDir('glance-cli-other');
    try {
      const loaded = await runCli(other, ['load', '-i', out]);
      assert.equal(loaded.code, 0, loaded.stderr);
      assert.deepEqual(await engineImageIds(other), [bb.configDigest]);
    } finally {
      removeTempDir(other);
    }
  });

  it('glanceclient downloads it verified against os_hash_value, also after the engine tags move', async () => {
    const retag = await runCli(cloud.dataDir, ['tag', 'bb:latest', 'bb:moved']);
    assert.equal(retag.code, 0, retag.stderr);
    const id = (await show('bb')).id as string;
    const out = path.join(work, 'glance-download.tar');
    await glance(cloud, ['image-download', '--file', out, id]);
    const image = await show('bb');
    assert.equal(crypto.createHash('sha512').update(fs.readFileSync(out)).digest('hex'), image.properties.os_hash_value);
    assert.equal((await runCli(cloud.dataDir, ['rmi', 'bb:moved'])).code, 0);
  });

  it('image set --property and --tag, then unset, are shown by image show', async () => {
    await cloud.openstack(['image', 'set', '--property', 'flavour=vanilla', '--tag', 'tiny', '--min-ram', '64', 'bb']);
    let image = await show('bb');
    assert.equal(image.properties.flavour, 'vanilla');
    assert.deepEqual(image.tags, ['tiny']);
    assert.equal(image.min_ram, 64);
    await cloud.openstack(['image', 'unset', '--property', 'flavour', '--tag', 'tiny', 'bb']);
    image = await show('bb');
    assert.equal(image.properties.flavour, undefined);
    assert.deepEqual(image.tags, []);
  });

  it('lists an image loaded into the store by the CLI as a public docker image named after its tag', async () => {
    const archive = busyboxArchive(work, 'cliimg:1', 'loaded by the CLI\n');
    const loaded = await runCli(cloud.dataDir, ['load', '-i', archive.file]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const row = (await listed()).find((r) => r.Name === 'cliimg:1');
    assert.ok(row, 'the engine image is a Glance image');
    assert.equal(row.Status, 'active');
    const image = await show(row.ID);
    assert.equal(image.visibility, 'public');
    assert.equal(image.container_format, 'docker');
    const admin = JSON.parse(await cloud.openstack(['project', 'show', 'admin', '-f', 'json'])) as { id: string };
    assert.equal(image.owner, admin.id);
    // Removed behind Glance's back, it leaves the list too.
    const removed = await runCli(cloud.dataDir, ['rmi', 'cliimg:1']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(!(await listed()).some((r) => r.Name === 'cliimg:1'));
  });

  it('a garbage, incomplete or hostile upload is refused, leaves the record not active and no engine image or blob', async () => {
    const token = await cloud.token('admin', cloud.adminPassword, 'admin');
    const imagesBefore = await engineImageIds(cloud.dataDir);
    const blobsBefore = blobCount(cloud.dataDir);
    // An archive whose manifest names a layer it does not contain: its config and layer are stored, then collected.
    const incomplete = path.join(work, 'incomplete');
    fs.mkdirSync(incomplete);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    fs.writeFileSync(path.join(incomplete, 'cfg.json'), config);
    fs.writeFileSync(path.join(incomplete, 'manifest.json'), JSON.stringify([{ Config: 'cfg.json', RepoTags: ['broken:1'], Layers: ['missing/layer.tar'] }]));
    fs.writeFileSync(path.join(incomplete, 'extra.bin'), Buffer.alloc(4096, 7));
    execFileSync('tar', ['-C', incomplete, '-cf', path.join(work, 'incomplete.tar'), '.']);
    // A well-formed docker-archive whose layer climbs out of the root filesystem, written by Python's tarfile.
    const hostile = path.join(work, 'hostile.tar');
    execFileSync('python3', ['-c', `
import hashlib, io, json, tarfile, sys
def tar_bytes(entries):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
    return out.getvalue()
layer = tar_bytes([('../../../../tmp/glance-escape', b'escaped')])
diff = hashlib.sha256(layer).hexdigest()
config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + diff]}}).encode()
cfg = hashlib.sha256(config).hexdigest() + '.json'
manifest = json.dumps([{'Config': cfg, 'RepoTags': ['hostile:1'], 'Layers': [diff + '/layer.tar']}]).encode()
open(sys.argv[1], 'wb').write(tar_bytes([(cfg, config), (diff + '/layer.tar', layer), ('manifest.json', manifest)]))
`, hostile]);
    for (const body of [Buffer.from('this is not an image archive at all'.repeat(100)), fs.readFileSync(path.join(work, 'incomplete.tar')), fs.readFileSync(hostile)]) {
      const created = await cloud.request('POST', '/image/v2/images', { token, body: { name: 'junk', container_format: 'docker', disk_format: 'raw' } });
      assert.equal(created.status, 201);
      const put = await rawRequest(cloud, 'PUT', `/image/v2/images/${created.body.id}/file`, { token, body, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(put.status, 400, put.bytes.toString());
      assert.match(JSON.parse(put.bytes.toString()).error.message, /tar|archive|outside|escape|\.\./i);
      const after = await cloud.request('GET', `/image/v2/images/${created.body.id}`, { token });
      assert.equal(after.body.status, 'queued', 'a refused upload leaves the image queued for another try');
      assert.equal(after.body.size, null);
    }
    assert.deepEqual(await engineImageIds(cloud.dataDir), imagesBefore);
    assert.equal(blobCount(cloud.dataDir), blobsBefore, 'no blob of the refused archives is left');
    assert.ok(!fs.existsSync('/tmp/glance-escape'), 'nothing was written outside the layer');
  });

  it('isolates tenants: private images are 404 to other projects, public ones are seen; only admin publicizes', async () => {
    await cloud.openstack(['project', 'create', 'tenant-g']);
    await cloud.openstack(['user', 'create', '--project', 'tenant-g', '--password', 'pw-g', 'gina']);
    await cloud.openstack(['role', 'add', '--project', 'tenant-g', '--user', 'gina', 'member']);
    const gina = { username: 'gina', password: 'pw-g', project: 'tenant-g' };
    // Without --file the CLI would read image data from its standard input.
    const disk = path.join(work, 'disk.raw');
    fs.writeFileSync(disk, Buffer.alloc(1024, 1));
    await cloud.openstack(['image', 'create', '--private', '--file', disk, '--container-format', 'bare', '--disk-format', 'raw', 'secret']);
    await cloud.openstack(['image', 'create', '--public', '--file', disk, '--container-format', 'bare', '--disk-format', 'raw', 'everyone']);
    const names = (await listed(gina)).map((r) => r.Name);
    assert.ok(names.includes('everyone'));
    assert.ok(!names.includes('secret'));
    const secretId = (await show('secret')).id as string;
    const ginaToken = await cloud.token('gina', 'pw-g', 'tenant-g');
    assert.equal((await cloud.request('GET', `/image/v2/images/${secretId}`, { token: ginaToken })).status, 404);
    await assert.rejects(cloud.openstack(['image', 'show', secretId], gina), /No Image found|404|not found/i);
    // Her own image: she may share it with the community but not make it public.
    await cloud.openstack(['image', 'create', '--file', disk, '--container-format', 'bare', '--disk-format', 'raw', 'ginas'], gina);
    await assert.rejects(cloud.openstack(['image', 'set', '--public', 'ginas'], gina), /403|Forbidden|not authorized/i);
    await cloud.openstack(['image', 'set', '--community', 'ginas'], gina);
    // Nor may she change or delete the admin's public image.
    await assert.rejects(cloud.openstack(['image', 'delete', 'everyone'], gina), /403|Forbidden|not permitted|Failed/i);
    assert.ok((await listed()).some((r) => r.Name === 'everyone'));
  });

  it('shares an image with another project as a member, listed for it once accepted', async () => {
    const gina = { username: 'gina', password: 'pw-g', project: 'tenant-g' };
    const disk = path.join(work, 'disk.raw');
    await cloud.openstack(['image', 'create', '--shared', '--file', disk, '--container-format', 'bare', '--disk-format', 'raw', 'for-gina']);
    const id = (await show('for-gina')).id as string;
    const tenant = JSON.parse(await cloud.openstack(['project', 'show', 'tenant-g', '-f', 'json'])) as { id: string };
    await cloud.openstack(['image', 'add', 'project', id, tenant.id]);
    assert.ok(!(await listed(gina)).some((r) => r.Name === 'for-gina'), 'a pending share is not in the default list');
    assert.equal(JSON.parse(await cloud.openstack(['image', 'show', id, '-f', 'json'], gina)).name, 'for-gina');
    await cloud.openstack(['image', 'set', '--accept', id], gina);
    assert.ok((await listed(gina)).some((r) => r.Name === 'for-gina'));
    const members = JSON.parse(await cloud.openstack(['image', 'member', 'list', id, '-f', 'json'])) as Array<{ 'Member ID': string; Status: string }>;
    assert.deepEqual(members.map((m) => [m['Member ID'], m.Status]), [[tenant.id, 'accepted']]);
    await cloud.openstack(['image', 'remove', 'project', id, tenant.id]);
    const ginaToken = await cloud.token('gina', 'pw-g', 'tenant-g');
    assert.equal((await cloud.request('GET', `/image/v2/images/${id}`, { token: ginaToken })).status, 404);
  });

  it('a reader sees images but cannot create one', async () => {
    await cloud.openstack(['user', 'create', '--project', 'tenant-g', '--password', 'pw-r', 'rita']);
    await cloud.openstack(['role', 'add', '--project', 'tenant-g', '--user', 'rita', 'reader']);
    const rita = { username: 'rita', password: 'pw-r', project: 'tenant-g' };
    assert.ok((await listed(rita)).some((r) => r.Name === 'everyone'));
    await assert.rejects(cloud.openstack(['image', 'create', '--file', path.join(work, 'disk.raw'), '--container-format', 'bare', '--disk-format', 'raw', 'nope'], rita), /403|Forbidden|not authorized/i);
    assert.ok(!(await listed()).some((r) => r.Name === 'nope'));
  });

  it('image delete removes the record and the engine image; refused while a container uses it', async () => {
    const archive = busyboxArchive(work, 'inuse:1', 'used by a container\n');
    await cloud.openstack(['image', 'create', '--file', archive.file, '--container-format', 'docker', '--disk-format', 'raw', 'inuse']);
    const created = await runCli(cloud.dataDir, ['create', '--name', 'holder', 'inuse:1', 'sleep', '1']);
    assert.equal(created.code, 0, created.stderr);
    await assert.rejects(cloud.openstack(['image', 'delete', 'inuse']), /409|in use|Conflict|Failed/i);
    assert.ok((await engineImageIds(cloud.dataDir)).includes(archive.configDigest));
    assert.equal((await runCli(cloud.dataDir, ['rm', 'holder'])).code, 0);
    await cloud.openstack(['image', 'delete', 'inuse']);
    const bbId = (await show('bb')).id as string;
    await cloud.openstack(['image', 'delete', 'bb']);
    // glanceclient shows Glance's message for a fault, not a parse error.
    await assert.rejects(glance(cloud, ['image-show', bbId]), new RegExp(`No image found with ID ${bbId}`));
    assert.ok(!(await listed()).some((r) => r.Name === 'inuse' || r.Name === 'bb'));
    const left = await engineImageIds(cloud.dataDir);
    assert.ok(!left.includes(archive.configDigest) && !left.includes(bb.configDigest), 'the engine images went with their Glance images');
  });
});
