import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { type RegistryPeer, startRegistry } from '../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('bin/intermodal (registry commands against docker-registry)', () => {
  let work: string;
  let archive: string;
  let configDigest: string;
  let registry: RegistryPeer;
  let dataDir: string;
  let other: string;
  const password = 'open sesame';

  before(async () => {
    work = makeTempDir('cli-registry');
    const base = path.join(work, 'base');
    makeBusyboxRootfs(base);
    archive = path.join(work, 'app.tar');
    ({ configDigest } = buildDockerArchive(archive, { layers: [{ dir: base }], tags: ['fixture/app:1'], workDir: work }));
    registry = await startRegistry({ auth: { kind: 'htpasswd', users: { bob: password } } });
  });
  after(async () => {
    await registry?.stop();
    removeTempDir(work);
  });
  beforeEach(() => {
    dataDir = makeTempDir('cli-registry-data');
    other = makeTempDir('cli-registry-other');
  });
  afterEach(() => {
    removeTempDir(dataDir);
    removeTempDir(other);
  });

  it('login, push, pull and logout, with the output docker prints', async () => {
    const refused = await runCli(dataDir, ['login', '-u', 'bob', '--password-stdin', registry.host], { input: Buffer.from('wrong\n') });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /login to .* refused/);
    assert.equal(fs.existsSync(path.join(dataDir, 'auth.json')), false, 'refused credentials are not kept');

    const login = await runCli(dataDir, ['login', '-u', 'bob', '--password-stdin', `http://${registry.host}/`], { input: Buffer.from(`${password}\n`) });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.stdout, 'Login Succeeded\n');
    assert.equal(fs.statSync(path.join(dataDir, 'auth.json')).mode & 0o777, 0o600);
    assert.ok(!fs.readFileSync(path.join(dataDir, 'auth.json'), 'utf8').includes(password), 'not in clear text (base64, as Docker)');

    assert.equal((await runCli(dataDir, ['load', '-i', archive])).code, 0);
    assert.equal((await runCli(dataDir, ['tag', 'fixture/app:1', `${registry.host}/team/app:1`])).code, 0);
    const push = await runCli(dataDir, ['push', `${registry.host}/team/app:1`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${registry.host}/team/app\\]\n`));
    assert.match(push.stdout, /[0-9a-f]{12}: Pushed\n/);
    const [, digest, size] = /\n1: digest: (sha256:[0-9a-f]{64}) size: (\d+)\n$/.exec(push.stdout) ?? [];
    assert.ok(digest && Number(size) > 0, push.stdout);
    const repush = await runCli(dataDir, ['push', `${registry.host}/team/app:1`]);
    assert.match(repush.stdout, /[0-9a-f]{12}: Layer already exists\n/);
    assert.doesNotMatch(repush.stdout, /Pushed/);

    const anonymous = await runCli(other, ['pull', `${registry.host}/team/app:1`]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /requires a login \(run 'intermodal login /);

    assert.equal((await runCli(other, ['login', '-u', 'bob', '-p', password, registry.host])).code, 0);
    const pull = await runCli(other, ['pull', `${registry.host}/team/app:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(pull.stdout.split('\n')[0], `1: Pulling from ${registry.host}/team/app`);
    assert.match(pull.stdout, /[0-9a-f]{12}: Pull complete\n/);
    assert.ok(pull.stdout.endsWith(`Digest: ${digest}\nStatus: Downloaded newer image for ${registry.host}/team/app:1\n${registry.host}/team/app:1\n`), pull.stdout);
    const inspected = JSON.parse((await runCli(other, ['image', 'inspect', `${registry.host}/team/app:1`])).stdout);
    assert.equal(inspected[0].Id, configDigest, 'same image ID as where it came from');

    const quiet = await runCli(other, ['pull', '-q', `${registry.host}/team/app@${digest}`]);
    assert.equal(quiet.stdout, `${registry.host}/team/app@${digest}\n`);
    const again = await runCli(other, ['pull', `${registry.host}/team/app:1`]);
    assert.match(again.stdout, /Status: Image is up to date/);

    assert.equal((await runCli(other, ['logout', registry.host])).stdout, `Removing login credentials for ${registry.host}\n`);
    assert.equal((await runCli(other, ['logout', registry.host])).stdout, `Not logged in to ${registry.host}\n`);
    assert.equal((await runCli(other, ['pull', `${registry.host}/team/app:1`])).code, 1);
  });

  it('pulls a name without a host from the configured default registry, and refuses it with none', async () => {
    assert.equal((await runCli(dataDir, ['login', '-u', 'bob', '-p', password, registry.host])).code, 0);
    assert.equal((await runCli(dataDir, ['load', '-i', archive])).code, 0);
    assert.equal((await runCli(dataDir, ['tag', 'fixture/app:1', `${registry.host}/team/default:1`])).code, 0);
    assert.equal((await runCli(dataDir, ['push', '-q', `${registry.host}/team/default:1`])).code, 0);

    const none = await runCli(dataDir, ['pull', 'team/default:1']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no default registry is configured/);
    const withDefault = spawnSync(process.execPath, [cliPath, '--data-dir', dataDir, 'pull', '-q', 'team/default:1'], {
      env: { ...process.env, INTERMODAL_DEFAULT_REGISTRY: registry.host },
      encoding: 'utf8',
    });
    assert.equal(withDefault.status, 0, withDefault.stderr);
    assert.equal(withDefault.stdout, 'team/default:1\n');
  });

  it('login asks on a terminal for what the command line lacks, without echoing the password', () => {
    // python3's pty gives the CLI a real terminal; the answers are typed once each prompt shows.
    const script = [
      'import os, sys, time, select',
      'pid, fd = os.forkpty() if hasattr(os, "forkpty") else __import__("pty").fork()',
      'if pid == 0: os.execvp(sys.argv[1], sys.argv[1:])',
      'out = b""',
      'def until(text):',
      '    global out',
      '    deadline = time.time() + 20',
      '    while text not in out and time.time() < deadline:',
      '        if select.select([fd], [], [], 0.2)[0]:',
      '            try: out += os.read(fd, 4096)',
      '            except OSError: return',
      'until(b"Username: "); os.write(fd, b"bob\\r")',
      'until(b"Password: "); os.write(fd, sys.stdin.buffer.read())',
      'until(b"Login Succeeded")',
      'os.waitpid(pid, 0)',
      'sys.stdout.write(out.decode())',
    ].join('\n');
    const typed = spawnSync('python3', ['-c', script, process.execPath, cliPath, '--data-dir', dataDir, 'login', registry.host], { input: `${password}\r`, encoding: 'utf8' });
    assert.equal(typed.status, 0, typed.stderr);
    assert.match(typed.stdout, /Username: bob\r\nPassword: \r\nLogin Succeeded/);
    assert.ok(!typed.stdout.includes(password), 'the password is not echoed');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dataDir, 'auth.json'), 'utf8')).auths[registry.host].auth, Buffer.from(`bob:${password}`).toString('base64'));
  });

  it('refuses bad command lines with usage', async () => {
    const noRef = await runCli(dataDir, ['pull']);
    assert.equal(noRef.code, 2);
    assert.match(noRef.stderr, /Usage: intermodal pull/);
    assert.equal((await runCli(dataDir, ['login', registry.host])).code, 2);
    const badRef = await runCli(dataDir, ['pull', `${registry.host}/Team/App`]);
    assert.equal(badRef.code, 1);
    assert.match(badRef.stderr, /must be lowercase/);
    const platform = await runCli(dataDir, ['pull', '--platform', 'linux', `${registry.host}/team/app:1`]);
    assert.match(platform.stderr, /not os\/architecture/);
  });
});
