/**
 * The OpenStack flow with the real `openstack` CLI against a cloud whose only compute host
 * is a Docker daemon (a private dockerd from Debian's docker.io, configured through the
 * data dir's compute-hosts.yaml): the servers must be containers on that daemon, and none
 * may appear in our own engine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { bootLine, makeServerImage } from '../../api/compute/cloud-images.js';

describe('acceptance: openstack CLI on a docker-only compute host', function () {
  this.timeout(300_000);
  let work: string;
  let dockerd: PrivateDockerd | undefined;
  let cloud: TestCloud | undefined;

  before(async function () {
    work = makeTempDir('openstack-on-docker');
    const started = await startDockerd(path.join(work, 'dockerd'));
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    const socket = path.join(work, 'dockerd', 'docker.sock');
    cloud = await startTestCloud('openstack-on-docker', {
      beforeStart: (dataDir) => fs.writeFileSync(path.join(dataDir, 'compute-hosts.yaml'), `compute_hosts:\n  - name: docker-1\n    driver: docker\n    endpoint: unix://${socket}\n`),
    });
  });
  after(async () => {
    if (dockerd) {
      const left = dockerd.docker(['ps', '-aq']).split('\n').filter(Boolean);
      if (left.length > 0) dockerd.docker(['rm', '-f', ...left]);
      await dockerd.stop();
    }
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  const containersOnDaemon = (): Array<{ name: string; labels: string }> =>
    dockerd!.docker(['ps', '-a', '--format', '{{.Names}}\t{{.Labels}}']).split('\n').filter(Boolean).map((l) => ({ name: l.split('\t')[0]!, labels: l.split('\t')[1] ?? '' }));
  const serverStatus = async (name: string): Promise<string> => (JSON.parse(await cloud!.openstack(['server', 'show', name, '-f', 'json'])) as { status: string }).status;
  const until = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 150; i++) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('boots, shows the console, stops, starts, snapshots and deletes a server on the docker host', async () => {
    const c = cloud!;
    const image = JSON.parse(await c.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb', '-f', 'json'])) as { id: string };
    const hypervisors = await c.openstack(['hypervisor', 'list', '-f', 'json']);
    assert.match(hypervisors, /docker-1/, 'the docker host is the hypervisor');

    const server = JSON.parse(await c.openstack(['server', 'create', '--image', image.id, '--flavor', 'm1.tiny', '--wait', 'vm1', '-f', 'json'])) as { id: string; status: string };
    assert.equal(server.status, 'ACTIVE');
    const onDaemon = containersOnDaemon();
    assert.deepEqual(onDaemon.map((x) => x.name), [`instance-${server.id}`], 'the server is a container on the docker daemon');
    assert.match(onDaemon[0]!.labels, /org\.intermodal\.driver=docker/);
    assert.equal((await runCli(c.dataDir, ['ps', '-aq'])).stdout.trim(), '', 'no container in our engine');

    await until('the console to show the boot line', async () => (await c.openstack(['console', 'log', 'show', 'vm1'])).includes(bootLine));

    await c.openstack(['server', 'stop', 'vm1']);
    await until('SHUTOFF', async () => (await serverStatus('vm1')) === 'SHUTOFF');
    assert.match(dockerd!.docker(['inspect', '-f', '{{.State.Status}}', `instance-${server.id}`]), /exited/);
    await c.openstack(['server', 'start', 'vm1']);
    await until('ACTIVE again', async () => (await serverStatus('vm1')) === 'ACTIVE');
    assert.match(dockerd!.docker(['inspect', '-f', '{{.State.Status}}', `instance-${server.id}`]), /running/);

    const snap = JSON.parse(await c.openstack(['server', 'image', 'create', '--name', 'vm1-snap', '--wait', 'vm1', '-f', 'json'])) as { id: string; status: string };
    const snapImage = JSON.parse(await c.openstack(['image', 'show', snap.id, '-f', 'json'])) as { status: string };
    assert.equal(snapImage.status, 'active', 'the snapshot is an active Glance image');
    const fromSnap = JSON.parse(await c.openstack(['server', 'create', '--image', snap.id, '--flavor', 'm1.tiny', '--wait', 'vm2', '-f', 'json'])) as { id: string; status: string };
    assert.equal(fromSnap.status, 'ACTIVE', 'the snapshot boots on the docker host');
    await until('the snapshot server\'s console', async () => (await c.openstack(['console', 'log', 'show', 'vm2'])).includes(bootLine));

    await c.openstack(['server', 'delete', '--wait', 'vm1', 'vm2']);
    assert.deepEqual(containersOnDaemon(), [], 'no container is left on the daemon');
    assert.equal((await runCli(c.dataDir, ['ps', '-aq'])).stdout.trim(), '', 'none in our engine either');
  });

  it('gives a server on the docker host its user data, meta_data.json and keypair, and runs a user-data script', async () => {
    const c = cloud!;
    const dir = path.join(work, 'user-data');
    fs.mkdirSync(dir);
    const image = JSON.parse(await c.openstack(['image', 'create', '--file', makeServerImage(dir), '--container-format', 'docker', '--disk-format', 'raw', 'bb-ud', '-f', 'json'])) as { id: string };
    const userData = '#!/bin/sh\necho "user data ran as $(id -u)"\n';
    fs.writeFileSync(path.join(work, 'user-data.sh'), userData);
    fs.writeFileSync(path.join(work, 'key.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDockerHostKeyForTheTest test@docker\n');
    await c.openstack(['keypair', 'create', '--public-key', path.join(work, 'key.pub'), 'dk']);
    const server = JSON.parse(await c.openstack(['server', 'create', '--image', image.id, '--flavor', 'm1.tiny', '--key-name', 'dk', '--user-data', path.join(work, 'user-data.sh'), '--wait', 'vm-ud', '-f', 'json'])) as { id: string; status: string };
    assert.equal(server.status, 'ACTIVE');
    const inside = (file: string): string => dockerd!.docker(['exec', `instance-${server.id}`, 'cat', file]);
    assert.equal(inside('/mnt/config/openstack/latest/user_data'), userData, 'the config drive carries the user data as given');
    const meta = JSON.parse(inside('/mnt/config/openstack/latest/meta_data.json')) as { uuid: string; name: string; public_keys: Record<string, string> };
    assert.equal(meta.uuid, server.id);
    assert.equal(meta.name, 'vm-ud');
    assert.match(meta.public_keys['dk'] ?? '', /DockerHostKeyForTheTest/);
    assert.match(inside('/root/.ssh/authorized_keys'), /DockerHostKeyForTheTest/);
    assert.match(dockerd!.docker(['exec', `instance-${server.id}`, 'ls', '-ln', '/root/.ssh/authorized_keys']), /^-rw------- +1 0 +0 /, 'root\'s, readable by root alone');
    await until('the user-data script\'s line in the console', async () => (await c.openstack(['console', 'log', 'show', 'vm-ud'])).includes('user data ran as 0'));
    assert.doesNotMatch(fs.readFileSync('/proc/self/mountinfo', 'utf8'), /intermodal-docker-fill/, 'the files were written without leaving a mount behind');
    await c.openstack(['server', 'delete', '--wait', 'vm-ud']);
    assert.deepEqual(containersOnDaemon(), [], 'no container is left on the daemon');
  });

  it('puts a server on the docker host whose command fails at once in ERROR with the reason, and removes it', async () => {
    const c = cloud!;
    const dir = path.join(work, 'failing');
    fs.mkdirSync(dir);
    await c.openstack(['image', 'create', '--file', makeServerImage(dir, { cmd: ['/bin/sh', '-c', 'echo dying-now; exit 3'], tag: 'bad:1' }), '--container-format', 'docker', '--disk-format', 'raw', 'bad']);
    // `--wait` fails at once when the spawn sees the exit; otherwise the boot watch sees it
    // a moment after ACTIVE. Either way the server must end in ERROR, saying why.
    await c.openstack(['server', 'create', '--image', 'bad', '--flavor', 'm1.tiny', '--wait', 'broken']).catch(() => undefined);
    let shown: { status: string; fault?: unknown } | undefined;
    await until('ERROR', async () => (shown = JSON.parse(await c.openstack(['server', 'show', 'broken', '-f', 'json'])) as { status: string; fault?: unknown }).status === 'ERROR');
    assert.match(JSON.stringify(shown!.fault), /dying-now/, 'the fault carries the last log lines');
    assert.match(JSON.stringify(shown!.fault), /code 3/);
    await c.openstack(['server', 'delete', '--wait', 'broken']);
    assert.deepEqual(containersOnDaemon(), [], 'no container is left on the daemon');
  });
});
