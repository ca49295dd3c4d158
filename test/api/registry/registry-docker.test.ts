/**
 * The Docker client and daemon against our registry: `docker login`, `docker push` (the
 * image lands in our store, runnable), `docker pull` back (same image ID), and a pull of an
 * image that was only loaded into our store. A private dockerd is started for the test;
 * the suite is skipped, with the reason, only when dockerd cannot start here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { loadImageArchive } from '../../../engine/images/archive/load.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type RegistryServer, busyboxArchive, startRegistryServer, users } from './registry-server.js';

/** Debian's docker.io client, the one that matches its daemon; a PATH docker otherwise. */
const dockerClient = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

describe('registry API: docker push and pull', function () {
  this.timeout(180_000);
  let server: RegistryServer;
  let work: string;
  let dockerd: PrivateDockerd | undefined;
  let archive: { file: string; imageId: string };
  let docker: (args: string[], input?: string) => Promise<string>;

  before(async function () {
    work = makeTempDir('registry-docker');
    const started = await startDockerd(path.join(work, 'dockerd'));
    if (!('docker' in started)) {
      console.log(`      skipped: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    // A client config of our own, so the login never touches the user's ~/.docker.
    const config = path.join(work, 'docker-config');
    fs.mkdirSync(config);
    // Asynchronous: the registry answering the daemon runs in this very event loop.
    const socket = `unix://${path.join(work, 'dockerd', 'docker.sock')}`;
    docker = (args, input) =>
      new Promise((resolve, reject) => {
        const child = execFile(dockerClient, ['-H', socket, '--config', config, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
          err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
        );
        child.stdin!.end(input);
      });
    server = await startRegistryServer('registry-docker');
    archive = busyboxArchive(work);
    await docker(['load', '-i', archive.file]);
  });
  after(async () => {
    try {
      await dockerd?.stop();
      await server?.close();
    } finally {
      if (work) removeTempDir(work);
    }
  });

  it('refuses a push before login', async () => {
    await docker(['tag', 'busybox:latest', `${server.host}/dock/anon:1`]);
    await assert.rejects(docker(['push', `${server.host}/dock/anon:1`]), /unauthorized|no basic auth credentials|authentication required/i);
    assert.equal(server.store.repository('dock/anon'), undefined);
  });

  it('refuses a login with a wrong password and accepts the right one', async () => {
    await assert.rejects(docker(['login', server.host, '-u', 'alice', '--password-stdin'], 'wrong'), /unauthorized|incorrect/i);
    assert.match(await docker(['login', server.host, '-u', 'alice', '--password-stdin'], users.alice), /Login Succeeded/);
  });

  it('docker push puts the image in our store under NAME:TAG', async () => {
    await docker(['tag', 'busybox:latest', `${server.host}/dock/busybox:1`]);
    const out = await docker(['push', `${server.host}/dock/busybox:1`]);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
    assert.ok(digest, out);
    const image = server.test.engine.images.resolve('dock/busybox:1');
    assert.equal(image.id, archive.imageId);
    assert.equal(image.manifestDigest, digest);
  });

  it('docker pull of what was pushed gives the same image ID', async () => {
    await docker(['rmi', `${server.host}/dock/busybox:1`, 'busybox:latest', `${server.host}/dock/anon:1`]);
    await docker(['pull', `${server.host}/dock/busybox:1`]);
    assert.equal((await docker(['image', 'inspect', '--format', '{{.Id}}', `${server.host}/dock/busybox:1`])).trim(), archive.imageId);
  });

  it('docker pull of an image that was only loaded into our store', async () => {
    const local = busyboxArchive(path.join(work, 'local'), 'made/here:2');
    await loadImageArchive(server.test.engine, fs.createReadStream(local.file));
    await docker(['pull', `${server.host}/made/here:2`]);
    assert.equal((await docker(['image', 'inspect', '--format', '{{.Id}}', `${server.host}/made/here:2`])).trim(), local.imageId);
  });

  it('docker logout, then a pull of a private repository is refused and one of a public repository is not', async () => {
    await docker(['logout', server.host]);
    await docker(['rmi', `${server.host}/dock/busybox:1`, `${server.host}/made/here:2`]);
    await assert.rejects(docker(['pull', `${server.host}/dock/busybox:1`]), /unauthorized|authentication required|denied/i);
    server.store.setPublic('made/here', true);
    await docker(['pull', `${server.host}/made/here:2`]);
    await docker(['tag', `${server.host}/made/here:2`, `${server.host}/made/here:3`]);
    await assert.rejects(docker(['push', `${server.host}/made/here:3`]), /unauthorized|authentication required|denied/i, 'public is read-only for anonymous callers');
  });
});
