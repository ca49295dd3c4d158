/**
 * `intermodal registry serve` as a user runs it, with our own registry client on the other
 * side: push from one data dir, pull into another, the image listed by the server's store.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath, runCli } from '../../helpers/cli.js';
import { freePort } from '../../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { busyboxArchive } from './registry-server.js';

describe('intermodal registry serve', function () {
  this.timeout(120_000);
  let work: string;
  let serverDir: string;
  let clientDir: string;
  let otherDir: string;
  let serve: ChildProcess | undefined;
  let host: string;

  before(async () => {
    work = makeTempDir('registry-serve');
    serverDir = makeTempDir('registry-serve-server');
    clientDir = makeTempDir('registry-serve-client');
    otherDir = makeTempDir('registry-serve-other');
    host = `127.0.0.1:${await freePort()}`;
    const usersFile = path.join(work, 'users');
    fs.writeFileSync(usersFile, '# name:password[:project]\ncarol:from-the-file:default\n', { mode: 0o600 });
    serve = spawn(process.execPath, [cliPath, '--data-dir', serverDir, 'registry', 'serve', '--listen', host, '--user', 'alice:s3cret', '--users-file', usersFile, '--public', 'pub/app'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [line] = (await once(serve.stdout!, 'data')) as [Buffer];
    assert.equal(line.toString(), `Registry listening on http://${host}/v2/\n`);
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    for (const dir of [work, serverDir, clientDir, otherDir]) if (dir) removeTempDir(dir);
  });

  it('refuses a bad --listen and a missing subcommand with usage errors', async () => {
    assert.equal((await runCli(otherDir, ['registry', 'serve', '--listen', 'nowhere'])).code, 2);
    assert.equal((await runCli(otherDir, ['registry'])).code, 2);
  });

  it('takes a push from intermodal push and gives it back to intermodal pull', async () => {
    const archive = busyboxArchive(work);
    assert.equal((await runCli(clientDir, ['load', '-i', archive.file])).code, 0);
    assert.equal((await runCli(clientDir, ['tag', 'busybox:latest', `${host}/team/app:1`])).code, 0);
    const anonymous = await runCli(clientDir, ['push', `${host}/team/app:1`]);
    assert.equal(anonymous.code, 1, 'no push without a login');
    assert.equal((await runCli(clientDir, ['login', '-u', 'alice', '-p', 's3cret', host])).code, 0);
    const push = await runCli(clientDir, ['push', `${host}/team/app:1`]);
    assert.equal(push.code, 0, push.stderr);

    const images = await runCli(serverDir, ['images']);
    assert.match(images.stdout, /^team\/app\s+1\s/m);

    assert.equal((await runCli(otherDir, ['login', '-u', 'carol', '-p', 'from-the-file', host])).code, 0, 'a user from --users-file, same project as alice');
    const pull = await runCli(otherDir, ['pull', `${host}/team/app:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    const inspect = await runCli(otherDir, ['image', 'inspect', `${host}/team/app:1`]);
    assert.equal((JSON.parse(inspect.stdout) as { Id: string }[])[0]!.Id, archive.imageId);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    serve!.kill('SIGTERM');
    const [code] = (await once(serve!, 'exit')) as [number];
    assert.equal(code, 0);
  });
});
