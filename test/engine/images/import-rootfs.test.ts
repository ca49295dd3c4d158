import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import { InvalidArgumentError } from '../../../engine/errors.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

describe('engine/images/import-rootfs', () => {
  let work: string;
  let t: TestEngine;
  let rootfsTar: string;

  before(() => {
    work = makeTempDir('import-fixtures');
    const rootfs = path.join(work, 'rootfs');
    makeBusyboxRootfs(rootfs);
    rootfsTar = path.join(work, 'rootfs.tar.gz');
    execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-czf', rootfsTar, '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(() => { t = openTestEngine('import'); });
  afterEach(() => t.destroy());

  it('makes a one-layer image with the requested config changes', async () => {
    const image = await importRootfs(t.engine, fs.createReadStream(rootfsTar), {
      ref: 'imported/busybox:1',
      changes: ['CMD ["sleep", "3600"]', 'ENV MODE=test', 'WORKDIR /tmp', 'USER nobody', 'EXPOSE 8080', 'LABEL tier=web', 'ENTRYPOINT ["/bin/sh", "-c"]'],
      message: 'from a tarball',
    });
    assert.deepEqual(image.refs, ['imported/busybox:1']);
    const config = t.engine.images.config(image.id);
    assert.deepEqual(config.config, {
      Cmd: ['sleep', '3600'], Env: ['MODE=test'], WorkingDir: '/tmp', User: 'nobody', ExposedPorts: { '8080/tcp': {} }, Labels: { tier: 'web' }, Entrypoint: ['/bin/sh', '-c'],
    });
    assert.equal(config.rootfs.diff_ids.length, 1);
    assert.equal(config.history?.[0]?.comment, 'from a tarball');
    const [layer] = t.engine.layers.chain(image.topLayer!);
    assert.ok(fs.existsSync(path.join(layer!.dir, 'bin/busybox')));
  });

  it('refuses a bad change before storing anything', async () => {
    await assert.rejects(importRootfs(t.engine, fs.createReadStream(rootfsTar), { ref: 'x:1', changes: ['RUN rm -rf /'] }), InvalidArgumentError);
    assert.deepEqual(t.engine.content.list(), []);
    assert.deepEqual(t.engine.images.list(), []);
  });

  it('refuses device nodes unless explicitly allowed', async () => {
    const devRoot = path.join(work, 'devroot');
    fs.mkdirSync(path.join(devRoot, 'dev'), { recursive: true });
    execFileSync('mknod', [path.join(devRoot, 'dev/null'), 'c', '1', '3']);
    const devTar = path.join(work, 'dev.tar');
    execFileSync('tar', ['-C', devRoot, '-cf', devTar, '.']);
    await assert.rejects(importRootfs(t.engine, fs.createReadStream(devTar), { ref: 'dev:1' }), /dev\/null/);
    assert.deepEqual(t.engine.images.list(), []);
    assert.deepEqual(t.engine.content.list(), [], 'the refused tarball left no blob');
    const image = await importRootfs(t.engine, fs.createReadStream(devTar), { ref: 'dev:1', allowDevices: true });
    const [layer] = t.engine.layers.chain(image.topLayer!);
    assert.equal(fs.statSync(path.join(layer!.dir, 'dev/null')).rdev, fs.statSync('/dev/null').rdev);
  });
});
