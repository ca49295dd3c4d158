/**
 * Nova and Glance as a cloud user drives them with the real `openstack` CLI: upload a
 * docker image, boot it with a key and user data, watch it, power it, snapshot it, boot
 * the snapshot, delete everything; tenants isolated; quotas and limits shown.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { until } from '../../helpers/poll.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { bootLine, makeServerImage } from './cloud-images.js';

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('compute with the real openstack CLI', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  let imageFile: string;

  before(async () => {
    cloud = await startTestCloud('nova-cli');
    work = makeTempDir('nova-cli-work');
    imageFile = makeServerImage(work);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('boots a docker image uploaded to Glance, with a keypair and user data, and manages it to deletion', async () => {
    const image = json<{ id: string; status: string }>(await cloud.openstack(['image', 'create', '--file', imageFile, '--container-format', 'docker', '--disk-format', 'raw', 'bb', '-f', 'json']));
    assert.ok(image.id);
    const flavors = json<Array<{ Name: string; RAM: number }>>(await cloud.openstack(['flavor', 'list', '-f', 'json']));
    assert.ok(flavors.some((f) => f.Name === 'm1.tiny' && f.RAM === 512));
    const keyFile = path.join(work, 'key.pem');
    fs.writeFileSync(keyFile, await cloud.openstack(['keypair', 'create', 'k1']));
    assert.match(fs.readFileSync(keyFile, 'utf8'), /BEGIN RSA PRIVATE KEY/);
    const userData = path.join(work, 'ud.sh');
    fs.writeFileSync(userData, '#!/bin/sh\necho user-data-ran\ncat /root/.ssh/authorized_keys\ncat /mnt/config/openstack/latest/meta_data.json; echo\n');

    const created = json<{ id: string; status: string; adminPass: string }>(await cloud.openstack(['server', 'create', '--image', 'bb', '--flavor', 'm1.tiny', '--key-name', 'k1', '--user-data', userData, '--wait', 'vm1', '-f', 'json']));
    assert.equal(created.status, 'ACTIVE');
    const list = json<Array<{ Name: string; Status: string; Image: string; Flavor: string }>>(await cloud.openstack(['server', 'list', '-f', 'json']));
    assert.deepEqual(list.map((s) => [s.Name, s.Status, s.Image, s.Flavor]), [['vm1', 'ACTIVE', 'bb', 'm1.tiny']]);
    const shown = json<{ id: string; key_name: string; 'OS-EXT-STS:power_state': string }>(await cloud.openstack(['server', 'show', 'vm1', '-f', 'json']));
    assert.equal(shown.id, created.id);
    assert.equal(shown.key_name, 'k1');

    const publicKey = json<{ fingerprint: string }>(await cloud.openstack(['keypair', 'show', 'k1', '-f', 'json']));
    assert.ok(publicKey.fingerprint);
    const log = await until(async () => {
      const out = await cloud.openstack(['console', 'log', 'show', 'vm1']);
      return out.includes(bootLine) ? out : undefined;
    });
    assert.match(log, /user-data-ran/);
    assert.match(log, /ssh-rsa \S+/);
    assert.ok(log.includes(`"uuid":"${created.id}"`), 'meta_data.json carries the server uuid');
    assert.ok(log.indexOf('user-data-ran') < log.indexOf(bootLine), 'user data runs before the image command');

    await cloud.openstack(['server', 'stop', 'vm1']);
    await waitForStatus(cloud, 'vm1', 'SHUTOFF');
    await cloud.openstack(['server', 'start', 'vm1']);
    await waitForStatus(cloud, 'vm1', 'ACTIVE');
    await cloud.openstack(['server', 'reboot', 'vm1']);
    await waitForStatus(cloud, 'vm1', 'ACTIVE');
    await cloud.openstack(['server', 'reboot', '--hard', 'vm1']);
    await waitForStatus(cloud, 'vm1', 'ACTIVE');

    const snap = json<{ id: string; status: string }>(await cloud.openstack(['server', 'image', 'create', '--name', 'vm1-snap', '--wait', 'vm1', '-f', 'json']));
    assert.equal(snap.status, 'active');
    const images = json<Array<{ Name: string; Status: string }>>(await cloud.openstack(['image', 'list', '-f', 'json']));
    assert.ok(images.some((i) => i.Name === 'vm1-snap' && i.Status === 'active'));
    const fromSnap = json<{ status: string }>(await cloud.openstack(['server', 'create', '--image', 'vm1-snap', '--flavor', 'm1.tiny', '--wait', 'vm2', '-f', 'json']));
    assert.equal(fromSnap.status, 'ACTIVE');
    // The snapshot kept what the first server's user data wrote at boot.
    const log2 = await until(async () => {
      const out = await cloud.openstack(['console', 'log', 'show', 'vm2']);
      return out.includes(bootLine) ? out : undefined;
    });
    assert.ok(log2.includes(bootLine));

    await cloud.openstack(['server', 'delete', '--wait', 'vm1', 'vm2']);
    assert.equal(json<unknown[]>(await cloud.openstack(['server', 'list', '-f', 'json'])).length, 0);
    assert.equal((await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.trim(), '', 'no container is left behind');
  });

  it('puts a server whose command fails at once in ERROR with the reason', async () => {
    const badImage = makeServerImage(path.join(work, 'bad'), { cmd: ['/bin/sh', '-c', 'echo dying-now; exit 3'], tag: 'bad:1' });
    await cloud.openstack(['image', 'create', '--file', badImage, '--container-format', 'docker', '--disk-format', 'raw', 'bad']);
    // `--wait` fails at once when spawn sees the exit; on a loaded host the power sync sees
    // it a moment later. Either way the server must end in ERROR, saying why.
    await cloud.openstack(['server', 'create', '--image', 'bad', '--flavor', 'm1.tiny', '--wait', 'broken']).catch(() => undefined);
    const shown = await until(async () => {
      const s = json<{ status: string; fault?: { message: string } }>(await cloud.openstack(['server', 'show', 'broken', '-f', 'json']));
      return s.status === 'ERROR' ? s : undefined;
    });
    assert.match(JSON.stringify(shown.fault), /dying-now/, 'the fault carries the last log lines');
    assert.match(JSON.stringify(shown.fault), /code 3/);
    await cloud.openstack(['server', 'delete', '--wait', 'broken']);
  });

  it('isolates projects: another tenant cannot see or delete a server; quotas and limits are shown', async () => {
    await cloud.openstack(['project', 'create', 'tenant-x']);
    await cloud.openstack(['user', 'create', '--password', 'pw-x', 'xavier']);
    await cloud.openstack(['role', 'add', '--project', 'tenant-x', '--user', 'xavier', 'member']);
    const x = { username: 'xavier', password: 'pw-x', project: 'tenant-x' };
    await cloud.openstack(['server', 'create', '--image', 'bb', '--flavor', 'm1.tiny', '--wait', 'mine']);
    const mineId = json<{ id: string }>(await cloud.openstack(['server', 'show', 'mine', '-f', 'json'])).id;
    assert.deepEqual(json<unknown[]>(await cloud.openstack(['server', 'list', '-f', 'json'], x)), []);
    await assert.rejects(cloud.openstack(['server', 'show', mineId], x), /No server with a name or ID/);
    await assert.rejects(cloud.openstack(['server', 'delete', mineId], x), /No server with a name or ID|404/);
    const all = json<Array<{ Name: string }>>(await cloud.openstack(['server', 'list', '--all-projects', '-f', 'json']));
    assert.ok(all.some((s) => s.Name === 'mine'));

    const quota = json<Array<{ Resource: string; Limit: number }> | Record<string, number>>(await cloud.openstack(['quota', 'show', '-f', 'json']));
    assert.match(JSON.stringify(quota), /instances/);
    const limits = json<Array<{ Name: string; Value: number }>>(await cloud.openstack(['limits', 'show', '--absolute', '-f', 'json']));
    const own = json<unknown[]>(await cloud.openstack(['server', 'list', '-f', 'json'])).length;
    assert.ok(own >= 1);
    assert.equal(limits.find((l) => l.Name === 'totalInstancesUsed')?.Value, own, 'usage counts the project\'s servers');
    await cloud.openstack(['server', 'delete', '--wait', 'mine']);
  });
});

async function waitForStatus(cloud: TestCloud, name: string, status: string): Promise<void> {
  await until(async () => {
    const shown = JSON.parse(await cloud.openstack(['server', 'show', name, '-f', 'json'])) as { status: string };
    return shown.status === status ? true : undefined;
  });
}
