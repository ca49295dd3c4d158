import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder } from '../helpers/test-engine.js';

/** Writes files (path → content) under dir. */
function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/** The `Step N/M : ...` blocks of a build's output. */
function steps(stdout: string): string[] {
  return stdout.split(/^(?=Step \d+\/\d+ : )/m).filter((s) => s.startsWith('Step '));
}

describe('bin/intermodal build', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;
  let ctx: string;

  before(() => {
    work = makeTempDir('cli-build-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    dataDir = makeTempDir('cli-build');
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

  const multiStage = [
    'FROM bb:1 AS builder',
    'WORKDIR /src',
    'COPY app.txt config.txt ./',
    'RUN cat app.txt config.txt > /src/bundle && echo built-in-builder',
    'FROM bb:1',
    'COPY --from=builder /src/bundle /opt/bundle',
    'COPY notes.txt /opt/',
    'CMD ["cat", "/opt/bundle", "/opt/notes.txt"]',
  ].join('\n');

  it('builds a multi-stage image that runs, then rebuilds it all from the cache', async () => {
    writeTree(ctx, { Dockerfile: multiStage, 'app.txt': 'app v1\n', 'config.txt': 'config v1\n', 'notes.txt': 'notes\n' });
    const first = await runCli(dataDir, ['build', '-t', 'app:1', '-t', 'app:latest', ctx]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(steps(first.stdout).length, 8);
    assert.match(first.stdout, /^Step 4\/8 : RUN cat app.txt config.txt > \/src\/bundle && echo built-in-builder\n ---> Running in ([0-9a-f]{12})\nbuilt-in-builder\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/m);
    assert.doesNotMatch(first.stdout, /Using cache/);
    const id = /Successfully built ([0-9a-f]{12})\n/.exec(first.stdout)![1]!;
    assert.match(first.stdout, /Successfully tagged app:1\nSuccessfully tagged app:latest\n$/);

    const ran = await runCli(dataDir, ['run', '--rm', 'app:1']);
    assert.deepEqual([ran.code, ran.stdout], [0, 'app v1\nconfig v1\nnotes\n']);

    const second = await runCli(dataDir, ['build', '-t', 'app:1', ctx]);
    assert.equal(second.code, 0, second.stderr);
    for (const step of steps(second.stdout)) {
      if (step.includes(' : FROM ')) assert.doesNotMatch(step, /Using cache|Running in/);
      else assert.match(step, /\n ---> Using cache\n ---> [0-9a-f]{12}\n/, step);
    }
    assert.match(second.stdout, new RegExp(`Successfully built ${id}\n`));

    // One source of the builder's COPY changes: that step and the ones after it rerun.
    fs.writeFileSync(path.join(ctx, 'config.txt'), 'config v2\n');
    const third = await runCli(dataDir, ['build', '-t', 'app:2', ctx]);
    assert.equal(third.code, 0, third.stderr);
    const cachedSteps = steps(third.stdout).map((s) => /Using cache/.test(s));
    assert.deepEqual(cachedSteps, [false, true, false, false, false, false, false, false]);
    // Only the final stage's own source changes: the builder stays cached.
    fs.writeFileSync(path.join(ctx, 'notes.txt'), 'notes v2\n');
    const fourth = await runCli(dataDir, ['build', '-t', 'app:3', ctx]);
    assert.deepEqual(steps(fourth.stdout).map((s) => /Using cache/.test(s)), [false, true, true, true, false, true, false, false]);
    assert.match(steps(fourth.stdout)[6]!, /^Step 7\/8 : COPY notes.txt \/opt\/\n ---> [0-9a-f]{12}\n$/);
    assert.equal((await runCli(dataDir, ['run', '--rm', 'app:3'])).stdout, 'app v1\nconfig v2\nnotes v2\n');
    assert.equal((await runCli(dataDir, ['run', '--rm', 'app:1'])).stdout, 'app v1\nconfig v1\nnotes\n');

    // --no-cache runs everything again.
    const fresh = await runCli(dataDir, ['build', '--no-cache', '-q', ctx]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  it('leaves only the result in the image list, and the cache survives image prune', async () => {
    writeTree(ctx, { Dockerfile: 'FROM bb:1\nENV A=1\nCOPY f /f\nRUN echo x > /x\nLABEL l=v\n', f: 'f\n' });
    const first = await runCli(dataDir, ['build', '-t', 'one:1', ctx]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const images = (await runCli(dataDir, ['images', '-q'])).stdout.trim().split('\n');
    assert.equal(images.length, 2, 'bb:1 and one:1, no intermediate images');
    // Pruning dangling images (which collects unreferenced layers) keeps the whole cache.
    assert.equal((await runCli(dataDir, ['image', 'prune'])).code, 0);
    const again = await runCli(dataDir, ['build', '-t', 'one:1', ctx]);
    assert.equal(again.stdout.match(/Using cache/g)?.length, 4, again.stdout);
    // Once the image and its layers are gone, the steps that made them miss cleanly and run
    // again; the ENV step made no layer, so it is still cached.
    assert.equal((await runCli(dataDir, ['rmi', 'one:1'])).code, 0);
    const rebuilt = await runCli(dataDir, ['build', '-t', 'one:1', ctx]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(steps(rebuilt.stdout).map((st) => /Using cache/.test(st)), [false, true, false, false, false], rebuilt.stdout);
    assert.equal((await runCli(dataDir, ['run', '--rm', 'one:1', 'cat', '/f', '/x'])).stdout, 'f\nx\n');
  });

  it('builds FROM scratch, copying from an image in the store', async () => {
    writeTree(ctx, { Dockerfile: 'FROM scratch\nCOPY --from=bb:1 /bin/busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "from scratch"]\n' });
    const built = await runCli(dataDir, ['build', '-q', '-t', 'tiny:1', ctx]);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const inspect = (JSON.parse((await runCli(dataDir, ['inspect', 'tiny:1'])).stdout) as { RootFS: { Layers: string[] }; History: { empty_layer?: boolean }[] }[])[0]!;
    assert.equal(inspect.RootFS.Layers.length, 1);
    assert.deepEqual(inspect.History.map((h) => h.empty_layer ?? false), [false, true, true]);
    const ran = await runCli(dataDir, ['run', '--rm', 'tiny:1']);
    assert.deepEqual([ran.code, ran.stdout], [0, 'from scratch\n']);
  });

  it('honours .dockerignore with exceptions and **', async () => {
    writeTree(ctx, {
      Dockerfile: 'FROM bb:1\nCOPY . /app/\nCMD ["sh", "-c", "cd /app && find . -type f | sort"]\n',
      '.dockerignore': '*.log\n!keep.log\n**/*.tmp\nsecrets\n',
      'a.txt': 'a', 'x.log': 'x', 'keep.log': 'k', 'deep/er/y.tmp': 'y', 'deep/er/z.txt': 'z', 'secrets/key': 'k',
    });
    const built = await runCli(dataDir, ['build', '-t', 'ign:1', ctx]);
    assert.equal(built.code, 0, built.stderr);
    const ran = await runCli(dataDir, ['run', '--rm', 'ign:1']);
    assert.deepEqual(ran.stdout.trim().split('\n'), ['./.dockerignore', './Dockerfile', './a.txt', './deep/er/z.txt', './keep.log']);
    writeTree(ctx, { Dockerfile: 'FROM bb:1\nCOPY secrets/key /key\n' });
    const refused = await runCli(dataDir, ['build', ctx]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Dockerfile line 2: COPY failed: 'secrets\/key' is excluded by .dockerignore/);
  });

  it('scopes ARG and ENV as Docker does', async () => {
    writeTree(ctx, {
      Dockerfile: [
        'ARG BASE=bb:1',
        'ARG META=meta-default',
        'FROM $BASE AS first',
        'ARG META',
        'ARG LOCAL=local-default',
        'ARG SHADOWED=from-arg',
        'ENV SHADOWED=from-env WHERE=${LOCAL:-none}',
        'RUN echo "meta=$META local=$LOCAL shadowed=$SHADOWED where=$WHERE" > /first.txt',
        'FROM first',
        'RUN echo "meta=${META:-unset} local=${LOCAL:-unset} shadowed=$SHADOWED" > /second.txt',
        'CMD ["sh", "-c", "cat /first.txt /second.txt; env | grep -c LOCAL || true"]',
      ].join('\n'),
    });
    const built = await runCli(dataDir, ['build', '--build-arg', 'LOCAL=given', '--build-arg', 'UNUSED=1', '-t', 'args:1', ctx]);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed/);
    const ran = await runCli(dataDir, ['run', '--rm', 'args:1']);
    assert.equal(ran.stdout, 'meta=meta-default local=given shadowed=from-env where=given\nmeta=unset local=unset shadowed=from-env\n0\n');
    const inspect = JSON.parse((await runCli(dataDir, ['inspect', 'args:1'])).stdout) as { Config: { Env: string[] } }[];
    assert.ok(inspect[0]!.Config.Env.includes('WHERE=given'));
    assert.ok(!inspect[0]!.Config.Env.some((e) => e.startsWith('LOCAL=') || e.startsWith('META=')));

    // A different build arg changes the RUN's cache key.
    const other = await runCli(dataDir, ['build', '--build-arg', 'LOCAL=other', '-t', 'args:2', ctx]);
    assert.equal((await runCli(dataDir, ['run', '--rm', 'args:2'])).stdout.split('\n')[0], 'meta=meta-default local=other shadowed=from-env where=other');
    assert.doesNotMatch(steps(other.stdout)[7]!, /Using cache/);
  });

  it('--target stops at a stage; -f names another Dockerfile; RUN exec form runs as USER; config instructions are stored', async () => {
    writeTree(ctx, {
      'build.Dockerfile': [
        'FROM bb:1 AS base',
        'SHELL ["/bin/sh", "-ec"]',
        'USER nobody',
        'RUN ["sh", "-c", "id -u > /tmp/run-uid"]',
        'ENV LEGACY value with spaces',
        'WORKDIR /work/dir',
        'EXPOSE 8080/tcp 53/udp',
        'VOLUME /data',
        'LABEL org.example.v="1 2" other=x',
        'STOPSIGNAL SIGQUIT',
        'HEALTHCHECK --interval=30s --retries=2 CMD ["true"]',
        'ENTRYPOINT ["env"]',
        'CMD pwd; id -u; cat /tmp/run-uid; echo $LEGACY',
        'FROM base AS never',
        'RUN exit 9',
      ].join('\n'),
    });
    const built = await runCli(dataDir, ['build', '-f', path.join(ctx, 'build.Dockerfile'), '--target', 'base', '-t', 'cfg:1', ctx]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.doesNotMatch(built.stdout, /exit 9/);
    const config = (JSON.parse((await runCli(dataDir, ['inspect', 'cfg:1'])).stdout) as { Config: Record<string, unknown> }[])[0]!.Config;
    assert.equal(config.User, 'nobody');
    assert.equal(config.WorkingDir, '/work/dir');
    assert.deepEqual(Object.keys(config.ExposedPorts as object).sort(), ['53/udp', '8080/tcp']);
    assert.deepEqual(config.Volumes, { '/data': {} });
    assert.deepEqual(config.Labels, { 'org.example.v': '1 2', other: 'x' });
    assert.equal(config.StopSignal, 'SIGQUIT');
    assert.deepEqual(config.Healthcheck, { Test: ['CMD', 'true'], Interval: 30e9, Retries: 2 });
    assert.deepEqual(config.Shell, ['/bin/sh', '-ec']);
    assert.deepEqual(config.Cmd, ['/bin/sh', '-ec', 'pwd; id -u; cat /tmp/run-uid; echo $LEGACY']);
    const ran = await runCli(dataDir, ['run', '--rm', 'cfg:1']);
    assert.deepEqual([ran.code, ran.stdout], [0, '/work/dir\n65534\n65534\nvalue with spaces\n']);
  });
});
