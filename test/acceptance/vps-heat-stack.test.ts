/**
 * templates/vps.yaml with the system image, as a customer would order a VPS from Heat:
 * the stack's generated private key (an output) logs in as root with the real `ssh`
 * through the stack's floating IP on the host loopback, systemd runs the machine, and the
 * first-boot cloud-config wrote the message of the day. Deleting the stack leaves nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../engine/project-root.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../helpers/test-cloud.js';
import { ssh, sshWhenUp, uploadSystemImage } from './vps-system-image.js';

describe('VPS: templates/vps.yaml on the system image, with the real heat and ssh clients', function () {
  this.timeout(1_800_000);
  let cloud: TestCloud;
  let work: string;

  const os = (...args: string[]) => cloud.openstack(args);
  const output = async (key: string) => (JSON.parse(await os('stack', 'output', 'show', 'my-vps', key, '-f', 'json')) as { output_value: string }).output_value;

  before(async () => {
    cloud = await startTestCloud('vps-heat');
    work = makeTempDir('vps-heat-work');
    await uploadSystemImage(cloud, 'debian-vps');
    await os('network', 'create', '--external', 'public');
    await os('subnet', 'create', '--network', 'public', '--subnet-range', '127.0.152.0/24', 'public-sub');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('gives a machine that root reaches with the stack\'s key through its floating IP, with its first-boot config applied', async () => {
    await os('stack', 'create', '-t', path.join(projectRoot, 'templates', 'vps.yaml'), '--parameter', 'image=debian-vps', '--parameter', 'flavor=m1.tiny',
      '--parameter', 'private_cidr=10.231.143.0/24', '--parameter', 'public_net=public', '--parameter', 'motd=Welcome to your systemd VPS.', '--wait', '--poll', '1', 'my-vps');
    const key = path.join(work, 'vps-key');
    fs.writeFileSync(key, `${(await output('private_key')).trim()}\n`, { mode: 0o600 });
    const address = await output('public_address');
    assert.match(address, /^127\.0\.152\.\d+$/);
    assert.equal((await sshWhenUp(key, 'root', address, 'cat /proc/1/comm')).trim(), 'systemd');
    assert.equal((await ssh(key, 'root', address, 'cat /etc/motd')).trim(), 'Welcome to your systemd VPS.');
    assert.equal((await ssh(key, 'root', address, 'systemctl is-system-running --wait')).trim(), 'running');

    await os('stack', 'delete', '--yes', '--wait', 'my-vps');
    assert.equal((await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.trim(), '');
    await assert.rejects(ssh(key, 'root', address, 'true'));
  });
});
