import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder } from '../helpers/test-engine.js';

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/** What a build could leave behind: containers, images, snapshot dirs, mounts. */
async function leftovers(dataDir: string): Promise<{ containers: string; images: string; snapshots: string[]; mounts: string[] }> {
  return {
    containers: (await runCli(dataDir, ['ps', '-aq'])).stdout,
    images: (await runCli(dataDir, ['images', '-q', '--no-trunc'])).stdout,
    snapshots: fs.readdirSync(path.join(dataDir, 'snapshots')).filter((n) => n !== 'empty').sort(),
    mounts: mountsUnder(dataDir),
  };
}

describe('bin/intermodal build (failures and hostile input)', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;
  let ctx: string;

  before(() => {
    work = makeTempDir('cli-build-safety-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    fs.appendFileSync(path.join(work, 'rootfs/etc/passwd'), 'app:x:1234:2345::/home/app:/bin/sh\n');
    fs.appendFileSync(path.join(work, 'rootfs/etc/group'), 'staff:x:2345:\nops:x:3456:\n');
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    dataDir = makeTempDir('cli-build-safety');
    ctx = path.join(dataDir, 'context');
    fs.mkdirSync(ctx);
    assert.equal((await runCli(dataDir, ['import', '-c', 'CMD ["sh"]', path.join(work, 'rootfs.tar'), 'bb:1'])).code, 0);
  });
  afterEach(async () => {
    await runCli(dataDir, ['rm', '-f', ...(await runCli(dataDir, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean)]);
    const leftover = mountsUnder(dataDir);
    removeTempDir(dataDir);
    assert.deepEqual(leftover, []);
  });

  it('a failing RUN stops the build with its output and exit code, and leaves nothing', async () => {
    writeTree(ctx, { Dockerfile: 'FROM bb:1\nCOPY f /f\nRUN echo partial > /made && echo to-err >&2 && exit 3\nRUN echo never\n', f: 'f' });
    const before = await leftovers(dataDir);
    const failed = await runCli(dataDir, ['build', '-t', 'broken:1', ctx]);
    assert.equal(failed.code, 3);
    assert.match(failed.stdout, /Step 3\/4 : RUN echo partial > \/made && echo to-err >&2 && exit 3\n ---> Running in [0-9a-f]{12}\nto-err\n/);
    assert.doesNotMatch(failed.stdout, /Step 4\/4|Successfully/);
    assert.match(failed.stderr, /The command '\/bin\/sh -c echo partial > \/made && echo to-err >&2 && exit 3' returned a non-zero code: 3/);
    assert.deepEqual(await leftovers(dataDir), before);
    assert.equal((await runCli(dataDir, ['inspect', 'broken:1'])).code, 1);
    // -q hides the steps but still shows what failed.
    const quiet = await runCli(dataDir, ['build', '-q', ctx]);
    assert.equal(quiet.code, 3);
    assert.equal(quiet.stdout, '');
    assert.match(quiet.stderr, /to-err\n[\s\S]*returned a non-zero code: 3/);
    assert.deepEqual(await leftovers(dataDir), before);
  });

  it('Ctrl-C during a RUN stops the step and leaves nothing', async () => {
    writeTree(ctx, { Dockerfile: 'FROM bb:1\nRUN echo started && sleep 60\n' });
    const before = await leftovers(dataDir);
    const child = spawn(process.execPath, [cliPath, '--data-dir', dataDir, 'build', ctx], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const started = Date.now();
    await new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('started\n')) resolve();
    }));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stderr);
    assert.ok(Date.now() - started < 30_000, 'the sleep was killed');
    assert.match(stderr, /the build was interrupted/);
    assert.deepEqual(await leftovers(dataDir), before);
  });

  it('says a RUN has no network when it fails for lack of one', async () => {
    writeTree(ctx, { Dockerfile: 'FROM bb:1\nRUN echo "wget: bad address \'deb.debian.org\'" >&2; exit 1\n' });
    const failed = await runCli(dataDir, ['build', ctx]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /RUN steps have no network yet/);
  });

  it('refuses bad Dockerfiles naming the line, leaving nothing', async () => {
    const before = await leftovers(dataDir);
    const cases: [string, RegExp][] = [
      ['FROM nope:1\n', /Dockerfile line 1: image 'nope:1' not found \(builds do not pull/],
      ['FROM bb:1\nCOPY ../outside /x\n', /Dockerfile line 2: COPY failed: source '..\/outside' is outside the build context/],
      ['FROM bb:1\nCOPY a/../../outside /x\n', /Dockerfile line 2: COPY failed: source 'a\/..\/..\/outside' is outside the build context/],
      ['FROM bb:1\nENV A=1\nADD https://example.com/x.tar /x\n', /Dockerfile line 3: ADD from a URL \('https:\/\/example.com\/x.tar'\) is not supported: builds have no network yet/],
      ['FROM bb:1\nCOPY missing /x\n', /Dockerfile line 2: COPY failed: 'missing' not found in the build context/],
      ['FROM bb:1\nCOPY --from=later /x /x\nFROM bb:1 AS later\n', /Dockerfile line 2: COPY --from=later: that stage comes later/],
      ['FROM bb:1\nCOPY --chown=ghost Dockerfile /x\n', /Dockerfile line 2: --chown=ghost: unable to find user ghost/],
      ['FROM bb:1\nEXPOSE 99999\n', /Dockerfile line 2: invalid EXPOSE port '99999'/],
      ['FROM --platform=linux/s390x bb:1\n', /Dockerfile line 1: --platform=linux\/s390x: this builder only builds for linux\//],
      ['FROM bb:1\nRUN --mount=type=cache,target=/x true\n', /Dockerfile line 2: RUN does not take the flag --mount/],
      ['FROM bb:1\nUSER\n', /Dockerfile line 2: USER needs arguments/],
      ['FROM bb:1\nRUN true\nONBUILD FROM bb:1\n', /Dockerfile line 3: FROM is not allowed as an ONBUILD trigger/],
    ];
    for (const [dockerfile, message] of cases) {
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), dockerfile);
      const result = await runCli(dataDir, ['build', '-t', 'bad:1', ctx]);
      assert.equal(result.code, 1, dockerfile);
      assert.match(result.stderr, message, dockerfile);
    }
    assert.deepEqual(await leftovers(dataDir), before);
  });

  it('keeps COPY inside the context and the image: symlinks are contained, never followed out', async () => {
    const hostSecret = path.join(dataDir, 'host-secret');
    fs.writeFileSync(hostSecret, 'HOST SECRET\n');
    const hostTarget = path.join(dataDir, 'host-target');
    fs.mkdirSync(hostTarget);
    writeTree(ctx, { 'inside/host-secret': 'context copy\n', 'payload/file': 'payload\n' });
    // A source that is a symlink to a host path resolves inside the context, as if it were '/'.
    fs.symlinkSync(hostSecret, path.join(ctx, 'evil-link'));
    fs.symlinkSync(path.relative(ctx, hostSecret), path.join(ctx, 'evil-relative'));
    // A directory holding a symlink to a host directory is copied with the symlink as it is;
    // a later write through it lands inside the image, not in the host directory.
    fs.mkdirSync(path.join(ctx, 'dir'));
    fs.symlinkSync(hostTarget, path.join(ctx, 'dir/escape'));
    writeTree(ctx, {
      Dockerfile: [
        'FROM bb:1',
        'COPY dir /d/',
        'COPY payload/file /d/escape/planted',
        'COPY evil-relative /relative',
        'CMD ["sh", "-c", "cat /d/escape/planted; ls /relative 2>&1 | head -1"]',
      ].join('\n'),
    });
    const built = await runCli(dataDir, ['build', '-t', 'contained:1', ctx]);
    assert.equal(built.code, 1, 'the relative link climbs out of the context root and finds nothing there');
    assert.match(built.stderr, /Dockerfile line 4: COPY failed: 'evil-relative' not found in the build context/);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM bb:1\nCOPY dir /d/\nCOPY payload/file /d/escape/planted\nCOPY evil-link /secret\nCMD ["sh", "-c", "cat /d/escape/planted /secret; readlink /d/escape"]\n');
    fs.mkdirSync(path.join(ctx, dataDir), { recursive: true });
    fs.writeFileSync(path.join(ctx, hostSecret), 'the context\'s own file\n');
    const contained = await runCli(dataDir, ['build', '-t', 'contained:1', ctx]);
    assert.equal(contained.code, 0, contained.stderr);
    assert.deepEqual(fs.readdirSync(hostTarget), [], 'nothing was written through the symlink to the host');
    const ran = await runCli(dataDir, ['run', '--rm', 'contained:1']);
    assert.equal(ran.stdout, `payload\nthe context's own file\n${hostTarget}\n`);
  });

  it('ADD unpacks local tar archives safely; COPY --chown resolves names in the image', async () => {
    const tree = path.join(dataDir, 'tree');
    writeTree(tree, { 'pkg/bin/tool': '#!/bin/sh\necho tool\n', 'pkg/README': 'readme\n' });
    fs.chmodSync(path.join(tree, 'pkg/bin/tool'), 0o755);
    execFileSync('tar', ['-C', tree, '-czf', path.join(ctx, 'pkg.tar.gz'), 'pkg']);
    execFileSync('tar', ['-C', tree, '-cf', path.join(ctx, 'plain.tar'), 'pkg/README']);
    execFileSync('sh', ['-c', `echo not an archive | gzip > ${path.join(ctx, 'note.gz')}`]);
    writeTree(ctx, {
      'owned.txt': 'owned\n',
      Dockerfile: [
        'FROM bb:1',
        'ADD pkg.tar.gz /opt/',
        'ADD plain.tar /plain',
        'ADD note.gz /notes/',
        'COPY pkg.tar.gz /kept/',
        'COPY --chown=app:ops owned.txt /home/app/',
        'COPY --chown=app owned.txt /home/app/user-only.txt',
        'COPY --chown=77:88 --chmod=0600 owned.txt /numeric.txt',
        'CMD ["sh", "-c", "/opt/pkg/bin/tool; cat /plain/pkg/README; ls /kept; zcat /notes/note.gz; stat -c \'%A %u %g\' /home/app/owned.txt /home/app/user-only.txt /numeric.txt"]',
      ].join('\n'),
    });
    const built = await runCli(dataDir, ['build', '-t', 'add:1', ctx]);
    assert.equal(built.code, 0, built.stderr);
    const ran = await runCli(dataDir, ['run', '--rm', 'add:1']);
    assert.equal(ran.stdout, 'tool\nreadme\npkg.tar.gz\nnot an archive\n-rw-r--r-- 1234 3456\n-rw-r--r-- 1234 1234\n-rw------- 77 88\n');

    // An archive with an entry that climbs out is refused by the layer unpacker.
    execFileSync('python3', ['-c', 'import tarfile,io,sys\nwith tarfile.open(sys.argv[1], "w") as t:\n  i = tarfile.TarInfo("../../escaped"); i.size = 3; t.addfile(i, io.BytesIO(b"bad"))', path.join(ctx, 'evil.tar')]);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM bb:1\nADD evil.tar /x/\n');
    const refused = await runCli(dataDir, ['build', ctx]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Dockerfile line 2: ADD failed: archive 'evil.tar': .*escapes/);
  });

  it('runs ONBUILD triggers in the image built FROM the one that stores them, once', async () => {
    writeTree(ctx, {
      Dockerfile: 'FROM bb:1\nONBUILD COPY trigger.txt /from-trigger.txt\nONBUILD RUN echo ran-trigger > /ran.txt\n',
      'trigger.txt': 'trigger file\n',
    });
    const parent = await runCli(dataDir, ['build', '-t', 'parent:1', ctx]);
    assert.equal(parent.code, 0, parent.stderr + parent.stdout);
    const stored = JSON.parse((await runCli(dataDir, ['inspect', 'parent:1'])).stdout) as { Config: { OnBuild: string[] } }[];
    assert.deepEqual(stored[0]!.Config.OnBuild, ['COPY trigger.txt /from-trigger.txt', 'RUN echo ran-trigger > /ran.txt']);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM parent:1\nCMD ["cat", "/from-trigger.txt", "/ran.txt"]\n');
    const child = await runCli(dataDir, ['build', '-t', 'child:1', ctx]);
    assert.equal(child.code, 0, child.stderr);
    assert.match(child.stdout, /# Executing 2 build triggers\n/);
    const childRun = await runCli(dataDir, ['run', '--rm', 'child:1']);
    assert.equal(childRun.stdout, 'trigger file\nran-trigger\n', childRun.stderr);
    const config = (JSON.parse((await runCli(dataDir, ['inspect', 'child:1'])).stdout) as { Config: { OnBuild?: string[] | null } }[])[0]!.Config;
    assert.ok(!config.OnBuild || config.OnBuild.length === 0);
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM child:1\nRUN test ! -e /grandchild\n');
    const grandchild = await runCli(dataDir, ['build', ctx]);
    assert.equal(grandchild.code, 0, grandchild.stderr);
    assert.doesNotMatch(grandchild.stdout, /build trigger/);
  });
});
