/**
 * cloud-config `users`, `groups` and `hostname` in a server's user_data, given with the real
 * `openstack server create --user-data` and checked by logging in with the real `ssh` as
 * the users it made: their keys, shells, groups and sudo rights, and the machine's name.
 * A cloud-config that names an impossible user fails the boot with the reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../helpers/test-cloud.js';
import { addressOf, makeKeyPair, ssh, sshWhenUp, uploadSystemImage } from './vps-system-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('VPS: cloud-config users and hostname, with the real openstack and ssh clients', function () {
  this.timeout(1_800_000);
  let cloud: TestCloud;
  let work: string;
  const keys: Record<string, string> = {};
  let address: string;

  const os = (...args: string[]) => cloud.openstack(args);
  const userData = (name: string, text: string) => {
    const file = path.join(work, name);
    fs.writeFileSync(file, text);
    return file;
  };

  before(async () => {
    cloud = await startTestCloud('vps-cloud-config');
    work = makeTempDir('vps-cloud-config-work');
    await uploadSystemImage(cloud, 'debian-vps');
    for (const who of ['owner', 'alice', 'bob']) keys[who] = await makeKeyPair(work, who);
    await os('keypair', 'create', '--public-key', `${keys.owner}.pub`, 'owner');
    await os('network', 'create', 'cc-net');
    await os('subnet', 'create', '--network', 'cc-net', '--subnet-range', '10.231.141.0/24', 'cc-sub');
    await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'default');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('creates the users with their keys, shells, groups and sudo rules, and names the machine', async () => {
    const pub = (who: string) => fs.readFileSync(`${keys[who]}.pub`, 'utf8').trim();
    const file = userData('users.yaml', [
      '#cloud-config',
      'hostname: web-7',
      'fqdn: web-7.example.test',
      'groups:',
      '  - ops',
      'users:',
      '  - default',
      '  - name: alice',
      '    gecos: Alice Admin',
      '    groups: [ops, adm]',
      '    shell: /bin/bash',
      '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
      `    ssh_authorized_keys: ["${pub('alice')}"]`,
      '  - name: bob',
      `    ssh_authorized_keys: ["${pub('bob')}"]`,
      '',
    ].join('\n'));
    const server = json<{ status: string }>(await os('server', 'create', '--image', 'debian-vps', '--flavor', 'm1.tiny', '--key-name', 'owner',
      '--user-data', file, '--network', 'cc-net', '--wait', 'cc1', '-f', 'json'));
    assert.equal(server.status, 'ACTIVE');
    address = await addressOf(cloud, 'cc1', 'cc-net');

    // The machine's name is the cloud-config's, not the server's display name.
    assert.equal((await sshWhenUp(keys.alice!, 'alice', address, 'hostname')).trim(), 'web-7');
    assert.equal((await ssh(keys.alice!, 'alice', address, 'cat /etc/hostname')).trim(), 'web-7');
    assert.match(await ssh(keys.alice!, 'alice', address, 'getent hosts web-7.example.test'), /web-7\.example\.test/);

    const [, , , , gecos, home, shell] = (await ssh(keys.alice!, 'alice', address, 'getent passwd alice')).trim().split(':');
    assert.deepEqual([gecos, home, shell], ['Alice Admin', '/home/alice', '/bin/bash']);
    const groups = (await ssh(keys.alice!, 'alice', address, 'id -nG')).trim().split(/\s+/);
    assert.ok(groups.includes('ops') && groups.includes('adm'), `alice is in ${groups.join(' ')}`);
    // sudo works: setuid programs are allowed in a system container.
    assert.equal((await ssh(keys.alice!, 'alice', address, 'sudo -n id -u')).trim(), '0');

    assert.equal((await ssh(keys.bob!, 'bob', address, 'whoami')).trim(), 'bob');
    await assert.rejects(ssh(keys.bob!, 'bob', address, 'sudo -n true'), /password is required|not allowed|sudoers/i);
    // Each key opens its own account only; root has the keypair.
    await assert.rejects(ssh(keys.alice!, 'bob', address, 'true'), /Permission denied/);
    assert.equal((await ssh(keys.owner!, 'root', address, 'id -u')).trim(), '0');
  });

  it('keeps the users as they are across a reboot (the boot script runs again without duplicating anything)', async () => {
    await os('server', 'reboot', '--wait', 'cc1');
    assert.equal((await sshWhenUp(keys.alice!, 'alice', address, 'wc -l < ~/.ssh/authorized_keys')).trim(), '1');
    assert.equal((await ssh(keys.alice!, 'alice', address, 'sudo -n grep -c alice /etc/sudoers.d/90-cloud-init-users')).trim(), '1');
    await os('server', 'delete', '--wait', 'cc1');
  });

  it('fails the boot with the reason when a user name is impossible, leaving no instance', async () => {
    const file = userData('bad.yaml', '#cloud-config\nusers:\n  - name: "bad name; rm -rf /"\n');
    await os('server', 'create', '--image', 'debian-vps', '--flavor', 'm1.tiny', '--user-data', file, '--network', 'cc-net', 'cc-bad');
    let shown = json<{ status: string; fault?: { message: string } }>(await os('server', 'show', 'cc-bad', '-f', 'json'));
    for (let i = 0; i < 60 && shown.status === 'BUILD'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      shown = json(await os('server', 'show', 'cc-bad', '-f', 'json'));
    }
    assert.equal(shown.status, 'ERROR');
    assert.match(shown.fault?.message ?? '', /user name .* is not a valid name/);
    assert.equal((await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.trim(), '');
    await os('server', 'delete', '--wait', 'cc-bad');
  });
});
