import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliPath, runCli } from '../helpers/cli.js';
import { makeBusyboxRootfs } from '../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { mountsUnder } from '../helpers/test-engine.js';

/** What a session on a terminal printed, and the exit code of the command. */
interface PtyResult {
  code: number;
  output: string;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `intermodal ARGS` on a real pseudo-terminal of 33 rows by 101 columns, through
 * util-linux `script`, as a user at a terminal would; once `prompt` appears in the output,
 * types `keys`. Resolves when the command exits.
 */
function runOnTerminal(dataDir: string, args: string[], prompt: string, keys: string): Promise<PtyResult> {
  const command = `stty rows 33 cols 101; exec ${[process.execPath, cliPath, '--data-dir', dataDir, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!typed && output.includes(prompt)) {
        typed = true;
        child.stdin.write(keys);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    // stdin stays open until the end: script ends the session when its input ends.
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? -1, output });
    });
  });
}

/** Processes whose command line names `dir`: the conmon monitors of containers kept there. */
function processesUsing(dir: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('bin/intermodal -i and -t (real pseudo-terminals, conmon attach)', function () {
  this.timeout(60_000);
  let work: string;
  let dataDir: string;

  before(async () => {
    work = makeTempDir('cli-tty-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    fs.symlinkSync('busybox', path.join(work, 'rootfs/bin/stty'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    dataDir = makeTempDir('cli-tty');
    assert.equal((await runCli(dataDir, ['import', '-c', 'CMD ["sh"]', path.join(work, 'rootfs.tar'), 'bb:1'])).code, 0);
  });
  afterEach(async () => {
    const ids = (await runCli(dataDir, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await runCli(dataDir, ['rm', '-f', ...ids]);
    for (const deadline = Date.now() + 10_000; processesUsing(dataDir).length > 0 && Date.now() < deadline;) await sleep(50);
    const monitors = processesUsing(dataDir);
    const leftover = mountsUnder(dataDir);
    removeTempDir(dataDir);
    assert.deepEqual(monitors, [], 'every conmon has exited');
    assert.deepEqual(leftover, [], 'no mount is left');
  });

  it('run -it gives a shell on a terminal of the caller\'s size and exits with its code', async () => {
    const r = await runOnTerminal(dataDir, ['run', '--rm', '-it', 'bb:1', 'sh'], '# ', 'stty size; echo "term=$TERM"; echo hi; exit 3\r');
    assert.equal(r.code, 3, r.output);
    assert.match(r.output, /^hi\r\n/m);
    assert.match(r.output, /^33 101\r\n/m, 'the container terminal has the caller\'s size');
    assert.match(r.output, /^term=xterm\r\n/m);
    assert.doesNotMatch(r.output, /\r\r\n/, 'line ends pass through our terminal unchanged');
    assert.equal((await runCli(dataDir, ['ps', '-aq'])).stdout, '', '--rm removed it');
  });

  it('run -i passes stdin through, ends it at end of file, and keeps stdout and stderr apart', async () => {
    const cat = await runCli(dataDir, ['run', '--rm', '-i', 'bb:1', 'cat'], { input: Buffer.from('data\n') });
    assert.deepEqual([cat.code, cat.stdout, cat.stderr], [0, 'data\n', '']);
    const big = Buffer.alloc(200_000, 'x');
    const counted = await runCli(dataDir, ['run', '--rm', '-i', 'bb:1', 'sh', '-c', 'wc -c; echo err >&2; exit 4'], { input: big });
    assert.deepEqual([counted.code, counted.stdout.trim(), counted.stderr], [4, '200000', 'err\n'], 'input larger than a packet arrives whole');
  });

  it('refuses -it without a terminal, creating nothing', async () => {
    const r = await runCli(dataDir, ['run', '-it', 'bb:1', 'sh']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the input device is not a TTY/);
    assert.equal((await runCli(dataDir, ['ps', '-aq'])).stdout, '');
  });

  it('create -i then start -a -i relays input and output and exits with the container code', async () => {
    const created = await runCli(dataDir, ['create', '-i', '--name', 'reader', 'bb:1', 'sh', '-c', 'read x; echo "got $x"; echo oops >&2; exit 9']);
    assert.equal(created.code, 0, created.stderr);
    const started = await runCli(dataDir, ['start', '-a', '-i', 'reader'], { input: Buffer.from('line\n') });
    assert.deepEqual([started.code, started.stdout, started.stderr], [9, 'got line\n', 'oops\n']);
    assert.equal((await runCli(dataDir, ['create', '--name', 'closed', 'bb:1', 'sh', '-c', 'read x; echo "got [$x]"'])).code, 0);
    const closed = await runCli(dataDir, ['start', '-a', '-i', 'closed'], { input: Buffer.from('ignored\n') });
    assert.deepEqual([closed.code, closed.stdout], [0, 'got []\n'], 'a container created without -i reads end of file');
  });

  it('exec -it runs a shell on a terminal in a running container; exec -i takes stdin', async () => {
    assert.equal((await runCli(dataDir, ['run', '-d', '--name', 'box', 'bb:1', 'sleep', '300'])).code, 0);
    const r = await runOnTerminal(dataDir, ['exec', '-it', 'box', 'sh'], '# ', 'stty size; echo in-exec; exit 5\r');
    assert.equal(r.code, 5, r.output);
    assert.match(r.output, /^in-exec\r?\r?\n/m);
    assert.match(r.output, /^33 101\r?\r?\n/m);
    const piped = await runCli(dataDir, ['exec', '-i', 'box', 'cat'], { input: Buffer.from('piped\n') });
    assert.deepEqual([piped.code, piped.stdout], [0, 'piped\n']);
  });
});
