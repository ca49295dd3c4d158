import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseContainerCommandLine, parseVolume } from '../../../bin/cli/container-options.js';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('bin/cli/container-options', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir('run-options'); });
  afterEach(() => removeTempDir(dir));

  it('reads a docker run command line into a spec, leaving flags after the image to the command', () => {
    const envFile = path.join(dir, 'env');
    fs.writeFileSync(envFile, '# comment\nFROM_FILE=1\n\nA=file\n');
    const line = parseContainerCommandLine([
      '-d', '--name', 'web', '-e', 'A=cli', '--env-file', envFile, '-v', `${dir}:/data:ro`, '-v', 'cache:/cache', '-v', '/anon',
      '--tmpfs', '/run:size=64m', '-w', '/srv', '-u', '1000:1000', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50',
      '--restart', 'on-failure:3', '--label', 'tier=web', '--cap-drop', 'net_raw', '--read-only', '--hostname', 'box',
      'bench/busybox:1', 'sh', '-c', 'echo -e hi',
    ]);
    assert.equal(line.name, 'web');
    assert.equal(line.detach, true);
    const s = line.spec;
    assert.equal(s.image, 'bench/busybox:1');
    assert.deepEqual(s.cmd, ['sh', '-c', 'echo -e hi']);
    assert.deepEqual(s.env, ['FROM_FILE=1', 'A=file', 'A=cli'], 'env files first, then -e, so -e wins');
    assert.deepEqual(s.mounts, [
      { type: 'bind', source: dir, destination: '/data', readOnly: true },
      { type: 'volume', source: 'cache', destination: '/cache', readOnly: false },
      { type: 'volume', source: '', destination: '/anon', readOnly: false },
    ]);
    assert.deepEqual(s.tmpfs, [{ destination: '/run', options: ['size=64m'] }]);
    assert.equal(s.memoryBytes, 64 * 1024 * 1024);
    assert.equal(s.cpus, 0.5);
    assert.equal(s.pidsLimit, 50);
    assert.deepEqual(s.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
    assert.deepEqual(s.capDrop, ['NET_RAW']);
    assert.equal(s.readOnly, true);
    assert.equal(s.hostname, 'box');
    assert.deepEqual(s.labels, { tier: 'web' });
  });

  const bad: [string[], RegExp][] = [
    [['--memory', 'lots', 'img'], /invalid memory size 'lots'/],
    [['--memory', '1k', 'img'], /below the minimum/],
    [['--cpus=-1', 'img'], /invalid --cpus/],
    [['--cpus', 'half', 'img'], /invalid --cpus/],
    [['--pids-limit', '0', 'img'], /invalid --pids-limit/],
    [['--restart', 'sometimes', 'img'], /invalid restart policy/],
    [['--rm', '--restart', 'always', 'img'], /cannot be combined/],
    [['-v', '/no/such/host/path:/x', 'img'], /does not exist/],
    [['-v', 'vol:relative', 'img'], /must be an absolute path/],
    [['-v', 'a:b:c:d', 'img'], /invalid volume/],
    [['-w', 'relative', 'img'], /must be an absolute path/],
    [['--runtime', 'kata', 'img'], /unknown runtime/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.slice(0, -1).join(' ')}`, () => {
      assert.throws(() => parseContainerCommandLine(argv), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }

  it('requires an image and refuses unknown flags', () => {
    assert.throws(() => parseContainerCommandLine(['-d']), /IMAGE is required/);
    assert.throws(() => parseContainerCommandLine(['--bogus', 'img']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
  });

  it('reads a ro volume of a named volume', () => {
    assert.deepEqual(parseVolume('data:/var/lib/data:ro'), { type: 'volume', source: 'data', destination: '/var/lib/data', readOnly: true });
  });
});
