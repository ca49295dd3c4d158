import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder } from '../helpers/test-engine.js';

describe('bin/intermodal (container commands)', function () {
  this.timeout(60_000);
  let work: string;
  let dataDir: string;

  before(async () => {
    work = makeTempDir('cli-ctr-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    dataDir = makeTempDir('cli-ctr');
    assert.equal((await runCli(dataDir, ['import', '-c', 'CMD ["sh"]', path.join(work, 'rootfs.tar'), 'bb:1'])).code, 0);
  });
  afterEach(async () => {
    await runCli(dataDir, ['rm', '-f', ...(await runCli(dataDir, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean)]);
    const leftover = mountsUnder(dataDir);
    removeTempDir(dataDir);
    assert.deepEqual(leftover, []);
  });

  it('run in the foreground streams output and exits with the container code; --rm leaves nothing', async () => {
    const run = await runCli(dataDir, ['run', '--rm', 'bb:1', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7']);
    assert.deepEqual([run.code, run.stdout, run.stderr], [7, 'to-out\n', 'to-err\n']);
    assert.equal((await runCli(dataDir, ['ps', '-aq'])).stdout, '');
  });

  it('run -d, ps, exec, logs, stop, rm like docker', async () => {
    const started = await runCli(dataDir, ['run', '-d', '--name', 'web', '-e', 'MODE=test', 'bb:1', 'sh', '-c', 'echo booted; exec sleep 300']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^[0-9a-f]{64}\n$/);
    assert.match((await runCli(dataDir, ['ps'])).stdout, /\n[0-9a-f]{12}\s+bb:1\s+.*Up .*\s+web\n$/);
    const exec = await runCli(dataDir, ['exec', 'web', 'sh', '-c', 'echo $MODE']);
    assert.deepEqual([exec.code, exec.stdout], [0, 'test\n']);
    assert.equal((await runCli(dataDir, ['logs', 'web'])).stdout, 'booted\n');
    const refused = await runCli(dataDir, ['rm', 'web']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /it is running; stop it first or use -f/);
    assert.equal((await runCli(dataDir, ['stop', '-t', '1', 'web'])).code, 0);
    assert.match((await runCli(dataDir, ['ps', '-a'])).stdout, /Exited \(137\)/);
    assert.equal((await runCli(dataDir, ['rm', 'web'])).code, 0);
  });

  it('passes -h and --help after the image on to the container; before it, they ask for usage', async () => {
    const run = await runCli(dataDir, ['run', '--rm', 'bb:1', 'sh', '-c', 'echo "args: $*"', 'sh', '-h', '--help']);
    assert.deepEqual([run.code, run.stdout], [0, 'args: -h --help\n']);
    await runCli(dataDir, ['run', '-d', '--name', 'idle', 'bb:1', 'sleep', '300']);
    const exec = await runCli(dataDir, ['exec', '-e', 'A=1', 'idle', 'sh', '-c', 'echo "$A $*"', 'sh', '-h']);
    assert.deepEqual([exec.code, exec.stdout], [0, '1 -h\n']);
    for (const args of [['run', '--help'], ['run', '-d', '-h', 'bb:1'], ['exec', '-h']]) {
      const help = await runCli(dataDir, args);
      assert.equal(help.code, 0, args.join(' '));
      assert.ok(help.stdout.startsWith(`Usage: intermodal ${args[0]} `), `${args.join(' ')}: ${help.stdout}`);
    }
  });

  it('refuses bad input with one line and changes nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'nope:1'], /image 'nope:1' not found/],
      [['run', '--memory', 'lots', 'bb:1'], /invalid memory size 'lots'/],
      [['run', '-v', '/no/such/dir:/x', 'bb:1'], /does not exist/],
      [['exec', 'ghost', 'true'], /no such container: ghost/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(dataDir, args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.equal((await runCli(dataDir, ['ps', '-aq'])).stdout, '');
  });
});
