/**
 * OS::Cinder::Volume and OS::Cinder::VolumeAttachment with the real heat client: a 1 GiB
 * volume is a filesystem of 1 GiB (ENOSPC past it), attached to a running server without
 * restarting it, detached and attached again with its data; deleting the server leaves
 * the volume; deleting the stack leaves no volume, mount or loop device. Bad input fails
 * with a clear message and leaves nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder } from '../../helpers/test-engine.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

/** A server and a 1 GiB volume, and the attachment when `mountpoint` is given; new user data replaces the server. */
const template = (mountpoint?: string, userData = '', size = 1) => `heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties: { image: bb, flavor: m1.tiny, user_data: ${JSON.stringify(userData)} }
  data:
    type: OS::Cinder::Volume
    properties: { size: ${size}, name: data-vol, description: for the test, metadata: { purpose: test } }
${mountpoint === undefined ? '' : `  attach:
    type: OS::Cinder::VolumeAttachment
    properties: { instance_uuid: { get_resource: server }, volume_id: { get_resource: data }, mountpoint: ${mountpoint} }
`}outputs:
  server_id: { value: { get_resource: server } }
  volume_id: { value: { get_resource: data } }
  size: { value: { get_attr: [data, size] } }
  status: { value: { get_attr: [data, status] } }
  name: { value: { get_attr: [data, display_name] } }
  attachments: { value: { get_attr: [data, attachments_list] } }
${mountpoint === undefined ? '' : `  mount_path: { value: { get_attr: [attach, mount_path] } }
`}`;

describe('Heat OS::Cinder::Volume and VolumeAttachment with the real heat client', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const output = async (stack: string, name: string) => JSON.parse(await cloud.openstack(['stack', 'output', 'show', stack, name, '-f', 'json'])).output_value as unknown;
  const sh = (serverId: string, script: string) => runCli(cloud.dataDir, ['exec', `instance-${serverId}`, 'sh', '-c', script]);
  const inspect = async (serverId: string) => (JSON.parse((await runCli(cloud.dataDir, ['inspect', `instance-${serverId}`])).stdout) as Array<{ Id: string; State: { Pid: number; StartedAt: string } }>)[0]!;
  const volumeNames = async () => (await runCli(cloud.dataDir, ['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  const loopDevices = () => execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(cloud.dataDir));

  before(async () => {
    cloud = await startTestCloud('heat-cinder');
    work = makeTempDir('heat-cinder-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('attaches a 1 GiB volume to a running server without a restart, enforces its size, keeps its data across detach and reattach, and deletes to nothing', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('plain.yaml', template()), '--wait', 'disk']);
    const serverId = String(await output('disk', 'server_id'));
    const volumeId = String(await output('disk', 'volume_id'));
    assert.equal(await output('disk', 'size'), 1);
    assert.equal(await output('disk', 'status'), 'available');
    assert.equal(await output('disk', 'name'), 'data-vol');
    assert.deepEqual(await volumeNames(), [`volume-${volumeId}`], '`intermodal volume ls` lists it');
    assert.equal(loopDevices().length, 1, 'one loop device backs it');
    const before = await inspect(serverId);

    // Attach by a stack update: only the attachment is new, the server keeps running.
    await cloud.openstack(['stack', 'update', '-t', file('attached.yaml', template('/dev/vdb')), '--wait', 'disk']);
    const after = await inspect(serverId);
    assert.equal(after.Id, before.Id, 'the same container');
    assert.equal(after.State.Pid, before.State.Pid, 'PID 1 unchanged');
    assert.equal(after.State.StartedAt, before.State.StartedAt, 'not restarted');
    assert.equal(await output('disk', 'mount_path'), '/mnt/vdb');
    assert.equal(await output('disk', 'status'), 'in-use');
    assert.deepEqual((await output('disk', 'attachments') as Array<Record<string, unknown>>).map((a) => [a.server_id, a.device, a.mount_path]), [[serverId, '/dev/vdb', '/mnt/vdb']]);
    assert.match((await sh(serverId, 'grep " /mnt/vdb " /proc/self/mountinfo')).stdout, / \/mnt\/vdb rw,nosuid,nodev.* ext4 /);
    const df = (await sh(serverId, 'df -k /mnt/vdb | tail -1')).stdout.trim().split(/\s+/);
    assert.ok(Number(df[1]) > 900_000 && Number(df[1]) <= 1024 * 1024, `a 1 GiB filesystem, not ${df[1]} KiB`);
    assert.equal((await sh(serverId, 'echo kept > /mnt/vdb/file && sync')).code, 0);
    const full = await sh(serverId, 'dd if=/dev/zero of=/mnt/vdb/big bs=1M count=1100 2>&1; echo "rc=$?"');
    assert.match(full.stdout, /No space left on device/, 'writing more than 1 GiB fails with ENOSPC');
    assert.match(full.stdout, /rc=1/);
    await sh(serverId, 'rm -f /mnt/vdb/big');

    // Detach: the attachment goes, the mount inside the server with it; the data stays on the volume.
    await cloud.openstack(['stack', 'update', '-t', file('plain.yaml', template()), '--wait', 'disk']);
    assert.equal((await sh(serverId, 'grep -c " /mnt/vdb " /proc/self/mountinfo')).stdout.trim(), '0');
    assert.equal(await output('disk', 'status'), 'available');
    // A larger size grows the volume in place, data and all; a smaller one is refused.
    await cloud.openstack(['stack', 'update', '-t', file('grown.yaml', template(undefined, '', 2)), '--wait', 'disk']).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(JSON.parse(await cloud.openstack(['stack', 'show', 'disk', '-f', 'json'])) as { stack_status_reason: string }).stack_status_reason}`);
    });
    assert.equal(await output('disk', 'volume_id'), volumeId, 'the same volume');
    assert.equal(await output('disk', 'size'), 2);
    // Attach again, at a path of the user's choosing.
    await cloud.openstack(['stack', 'update', '-t', file('again.yaml', template('/srv/data', '', 2)), '--wait', 'disk']);
    assert.equal((await sh(serverId, 'cat /srv/data/file')).stdout, 'kept\n');
    const grown = (await sh(serverId, 'df -k /srv/data | tail -1')).stdout.trim().split(/\s+/);
    assert.ok(Number(grown[1]) > 1.9 * 1024 * 1024, `a 2 GiB filesystem now, not ${grown[1]} KiB`);
    assert.equal((await inspect(serverId)).State.Pid, before.State.Pid);

    // An update that replaces the server moves the attachment to the new one, data and all.
    await cloud.openstack(['stack', 'update', '-t', file('replaced.yaml', template('/srv/data', '#!/bin/sh\necho second boot', 2)), '--wait', 'disk']);
    const newServerId = String(await output('disk', 'server_id'));
    assert.notEqual(newServerId, serverId, 'the server was replaced');
    assert.equal((await sh(newServerId, 'cat /srv/data/file')).stdout, 'kept\n', 'the new server sees the data');
    assert.deepEqual((await output('disk', 'attachments') as Array<Record<string, unknown>>).map((a) => a.server_id), [newServerId]);

    // The server goes (Cinder semantics): the volume stays, free, with its loop device.
    await cloud.openstack(['server', 'delete', '--wait', newServerId]);
    assert.equal(await output('disk', 'status'), 'available');
    assert.deepEqual(await volumeNames(), [`volume-${volumeId}`]);
    assert.equal(loopDevices().length, 1);

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'disk']);
    assert.deepEqual(await volumeNames(), [], 'no volume is left');
    assert.deepEqual(loopDevices(), [], 'no loop device is left');
    assert.deepEqual(mountsUnder(path.join(cloud.dataDir, 'volumes')), [], 'no volume mount is left');
  });

  it('refuses a size of 0 and an unknown volume with a clear message, leaving nothing', async () => {
    const zero = template().replace('size: 1,', 'size: 0,');
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('zero.yaml', zero), '--wait', 'zero']), /size.*(0|range|at least 1)/i);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'zero']).catch(() => undefined);
    const typed = template().replace('metadata: { purpose: test } }', 'metadata: { purpose: test }, volume_type: gold }');
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('typed.yaml', typed), '--wait', 'typed']), /CREATE_FAILED/);
    assert.match((JSON.parse(await cloud.openstack(['stack', 'show', 'typed', '-f', 'json'])) as { stack_status_reason: string }).stack_status_reason, /Volume type with name gold could not be found/);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'typed']);

    const unknown = `heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties: { image: bb, flavor: m1.tiny }
  attach:
    type: OS::Cinder::VolumeAttachment
    properties: { instance_uuid: { get_resource: server }, volume_id: 00000000-0000-4000-8000-000000000000, mountpoint: /dev/vdb }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('unknown.yaml', unknown), '--wait', 'unknown']), /CREATE_FAILED/);
    const failed = JSON.parse(await cloud.openstack(['stack', 'show', 'unknown', '-f', 'json'])) as { stack_status_reason: string };
    assert.match(failed.stack_status_reason, /Volume 00000000-0000-4000-8000-000000000000 could not be found/);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'unknown']);
    assert.deepEqual(await volumeNames(), []);
    assert.deepEqual(loopDevices(), []);
    assert.deepEqual(JSON.parse(await cloud.openstack(['server', 'list', '-f', 'json'])), []);
  });
});
