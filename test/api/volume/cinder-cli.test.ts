/**
 * Cinder v3 with the real `openstack` client: volume create/list/show/set/delete, and
 * `server add volume` / `server remove volume` mounting the volume in the running server
 * (at /mnt/vdb for /dev/vdb) without restarting it. Bad input is refused, leaving nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

describe('Cinder v3 with the real openstack client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json'])) as any;
  const volumeNames = async () => (await runCli(cloud.dataDir, ['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  const loopDevices = () => execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(cloud.dataDir));

  before(async () => {
    cloud = await startTestCloud('cinder-cli');
    work = makeTempDir('cinder-cli-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('creates, lists, shows, renames, attaches to a running server, detaches and deletes a volume', async () => {
    const created = await json(['volume', 'create', '--size', '1', '--description', 'scratch', '--property', 'tier=gold', 'vol1']);
    assert.equal(created.size, 1);
    assert.equal(created.status, 'available');
    assert.deepEqual(await volumeNames(), [`volume-${created.id}`]);
    const listed = await json(['volume', 'list']);
    assert.deepEqual(listed.map((v: any) => [v.Name, v.Size, v.Status]), [['vol1', 1, 'available']]);
    const shown = await json(['volume', 'show', 'vol1']);
    assert.equal(shown.id, created.id);
    assert.equal(shown.description, 'scratch');
    await cloud.openstack(['volume', 'set', '--name', 'data', 'vol1']);
    assert.equal((await json(['volume', 'show', created.id])).name, 'data');
    await cloud.openstack(['volume', 'set', '--size', '2', 'data']);
    assert.equal((await json(['volume', 'show', 'data'])).size, 2, 'extended');
    await assert.rejects(cloud.openstack(['volume', 'set', '--size', '1', 'data']), /must be greater|greater than current size|cannot shrink/);

    const server = await json(['server', 'create', '--image', 'bb', '--flavor', 'm1.tiny', '--wait', 'web']);
    const pid = () => runCli(cloud.dataDir, ['inspect', '-f', '{{.State.Pid}}', `instance-${server.id}`]).then((r) => r.stdout.trim());
    const before = await pid();
    await cloud.openstack(['server', 'add', 'volume', '--device', '/dev/vdb', 'web', 'data']);
    assert.equal(await pid(), before, 'the server was not restarted');
    const attached = await json(['volume', 'show', 'data']);
    assert.equal(attached.status, 'in-use');
    assert.match(JSON.stringify(attached.attachments), new RegExp(`${server.id}.*/dev/vdb|/dev/vdb.*${server.id}`));
    assert.match(JSON.stringify((await json(['server', 'show', 'web'])).volumes_attached), new RegExp(attached.id), 'server show lists the volume');
    const write = await runCli(cloud.dataDir, ['exec', `instance-${server.id}`, 'sh', '-c', 'echo hello > /mnt/vdb/f && cat /mnt/vdb/f']);
    assert.equal(write.stdout, 'hello\n');
    await assert.rejects(cloud.openstack(['volume', 'delete', 'data']), /attached/, 'an attached volume is not deleted');

    await cloud.openstack(['server', 'remove', 'volume', 'web', 'data']);
    assert.equal((await json(['volume', 'show', 'data'])).status, 'available');
    assert.doesNotMatch(JSON.stringify((await json(['server', 'show', 'web'])).volumes_attached), new RegExp(attached.id));
    assert.equal((await runCli(cloud.dataDir, ['exec', `instance-${server.id}`, 'test', '-e', '/mnt/vdb/f'])).code, 1, 'unmounted inside');
    await cloud.openstack(['server', 'delete', '--wait', 'web']);
    await cloud.openstack(['volume', 'delete', 'data']);
    assert.deepEqual(await json(['volume', 'list']), []);
    assert.deepEqual(await volumeNames(), []);
    assert.deepEqual(loopDevices(), []);
  });

  it('refuses a size of 0 and an unknown volume, creating nothing', async () => {
    await assert.rejects(cloud.openstack(['volume', 'create', '--size', '0', 'zero']), /size/i);
    await assert.rejects(cloud.openstack(['volume', 'show', 'nothing-here']), /No volume with a name or ID of 'nothing-here' exists|could not be found/);
    assert.deepEqual(await json(['volume', 'list']), []);
    assert.deepEqual(await volumeNames(), []);
  });
});
