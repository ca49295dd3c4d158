/**
 * The product's promise, end to end with the real clients: `docker push` into the cloud's
 * registry as a cloud user, boot the pushed image with `openstack server create`, snapshot
 * the server, and `docker pull` the snapshot back out, with the change the server made.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../bench/lib/dockerd.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../helpers/test-cloud.js';
import { bootLine, makeServerImage } from '../api/compute/cloud-images.js';

const dockerClient = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

describe('acceptance: docker push → openstack server create → snapshot → docker pull', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  let dockerd: PrivateDockerd | undefined;
  let docker: (args: string[]) => Promise<string>;

  before(async function () {
    work = makeTempDir('docker-cloud');
    const started = await startDockerd(path.join(work, 'dockerd'));
    if (!('docker' in started)) {
      console.log(`      skipped: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    const config = path.join(work, 'docker-config');
    fs.mkdirSync(config);
    const socket = `unix://${path.join(work, 'dockerd', 'docker.sock')}`;
    docker = (args) => new Promise((resolve, reject) => {
      execFile(dockerClient, ['-H', socket, '--config', config, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout));
    });
    cloud = await startTestCloud('docker-cloud');
  });
  after(async () => {
    await dockerd?.stop();
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('carries an image from docker into a server and a snapshot of it back to docker', async () => {
    const host = new URL(cloud.url).host;
    await cloud.openstack(['project', 'create', 'shop']);
    await cloud.openstack(['user', 'create', '--project', 'shop', '--password', 'pw-dev', 'dev']);
    await cloud.openstack(['role', 'add', '--project', 'shop', '--user', 'dev', 'member']);
    const dev = { username: 'dev', password: 'pw-dev', project: 'shop' };

    await docker(['load', '-i', makeServerImage(work, { tag: 'shop/app:1' })]);
    await docker(['tag', 'shop/app:1', `${host}/shop/app:1`]);
    await docker(['login', '-u', 'dev', '-p', 'pw-dev', host]);
    await docker(['push', `${host}/shop/app:1`]);

    const images = JSON.parse(await cloud.openstack(['image', 'list', '-f', 'json'], dev)) as Array<{ ID: string; Name: string; Status: string }>;
    const pushed = images.find((i) => i.Name.includes('shop/app'));
    assert.ok(pushed, `the pushed image is a Glance image: ${JSON.stringify(images)}`);
    assert.equal(pushed.Status, 'active');

    const userData = path.join(work, 'mark.sh');
    fs.writeFileSync(userData, '#!/bin/sh\necho made-in-the-cloud > /root/marker\n');
    const server = JSON.parse(await cloud.openstack(['server', 'create', '--image', pushed.ID, '--flavor', 'm1.tiny', '--user-data', userData, '--wait', 'app1', '-f', 'json'], dev)) as { id: string; status: string };
    assert.equal(server.status, 'ACTIVE');
    for (let i = 0; i < 100 && !(await cloud.openstack(['console', 'log', 'show', 'app1'], dev)).includes(bootLine); i++) await new Promise((r) => setTimeout(r, 200));

    const snap = JSON.parse(await cloud.openstack(['server', 'image', 'create', '--name', 'app1-snap', '--wait', 'app1', '-f', 'json'], dev)) as { id: string; properties: unknown };
    assert.match(JSON.stringify(snap.properties), /docker_reference/);
    await docker(['pull', `${host}/app1-snap:latest`]);
    const out = await docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/cat', `${host}/app1-snap:latest`, '/root/marker']);
    assert.equal(out.trim(), 'made-in-the-cloud');

    await cloud.openstack(['server', 'delete', '--wait', 'app1'], dev);
  });
});
