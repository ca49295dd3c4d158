import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../../engine/errors.js';
import { defaultPath, mergeEnv, processArgs } from '../../../../engine/runtime/spec/process-args.js';

describe('engine/runtime/spec/process-args', () => {
  describe('processArgs follows docker run', () => {
    const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'] };
    const cases: { name: string; image: { Entrypoint?: string[] | null; Cmd?: string[] | null }; entrypoint?: string[]; args?: string[]; expected: string[] }[] = [
      { name: 'image entrypoint + image cmd', image, expected: ['/entry.sh', 'serve', '--port', '80'] },
      { name: 'run args replace the cmd, keep the entrypoint', image, args: ['check'], expected: ['/entry.sh', 'check'] },
      { name: '--entrypoint drops the image cmd', image, entrypoint: ['/bin/sh'], expected: ['/bin/sh'] },
      { name: '--entrypoint with run args', image, entrypoint: ['/bin/sh'], args: ['-c', 'true'], expected: ['/bin/sh', '-c', 'true'] },
      { name: 'empty --entrypoint with run args', image, entrypoint: [], args: ['ls'], expected: ['ls'] },
      { name: 'cmd only', image: { Cmd: ['sh'] }, expected: ['sh'] },
      { name: 'null entrypoint and cmd with run args', image: { Entrypoint: null, Cmd: null }, args: ['true'], expected: ['true'] },
      { name: 'entrypoint only', image: { Entrypoint: ['/init'] }, expected: ['/init'] },
    ];
    for (const c of cases) {
      it(c.name, () => assert.deepEqual(processArgs(c.image, c.entrypoint, c.args), c.expected));
    }

    it('rejects a container with nothing to run', () => {
      assert.throws(() => processArgs({}, undefined, undefined), (err: Error) => err instanceof InvalidArgumentError && /no command specified/.test(err.message));
      assert.throws(() => processArgs(image, [], undefined), InvalidArgumentError);
      assert.throws(() => processArgs({}, undefined, ['']), InvalidArgumentError);
    });
  });

  describe('mergeEnv', () => {
    const defaults = { hostname: 'web1', home: '/home/app' };

    it('lets run env override image env by name, keeping first-seen order', () => {
      const env = mergeEnv(['PATH=/opt/bin', 'A=image', 'B=image'], ['B=run', 'C=run', 'A=run2'], defaults);
      assert.deepEqual(env, ['PATH=/opt/bin', 'A=run2', 'B=run', 'C=run', 'HOSTNAME=web1', 'HOME=/home/app']);
    });

    it('fills PATH, HOSTNAME and HOME only when nobody set them', () => {
      assert.deepEqual(mergeEnv(undefined, undefined, defaults), [`PATH=${defaultPath}`, 'HOSTNAME=web1', 'HOME=/home/app']);
      assert.deepEqual(mergeEnv(['HOME=/data'], ['HOSTNAME=mine'], defaults), ['HOME=/data', 'HOSTNAME=mine', `PATH=${defaultPath}`]);
    });

    it('keeps values containing = and empty values', () => {
      assert.deepEqual(mergeEnv(['X=a=b', 'EMPTY='], [], defaults).slice(0, 2), ['X=a=b', 'EMPTY=']);
    });

    it('rejects malformed run entries and drops malformed image ones', () => {
      assert.throws(() => mergeEnv([], ['NOVALUE'], defaults), /invalid environment entry 'NOVALUE'/);
      assert.throws(() => mergeEnv([], ['=x'], defaults), InvalidArgumentError);
      assert.deepEqual(mergeEnv(['JUNK', 'OK=1'], [], defaults)[0], 'OK=1');
    });
  });
});
