import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import sinon from 'sinon';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { PowerState } from '../../../drivers/compute-driver.js';
import { cliPath } from '../../helpers/cli.js';
import { mountsUnder } from '../../helpers/test-engine.js';
import { type DriverFixture, type ImageFixtures, bootImage, makeImageFixtures, openDriverFixture, removeImageFixtures, spawnRequest } from './driver-fixture.js';

describe('drivers/local/local-compute-driver refusals (real engine)', function () {
  this.timeout(90_000);
  let images: ImageFixtures;
  let f: DriverFixture;

  before(() => {
    images = makeImageFixtures();
  });
  after(() => removeImageFixtures(images));
  beforeEach(async () => {
    f = await openDriverFixture(images);
  });
  afterEach(async () => {
    await f.teardown();
  });

  /** Asserts that the engine holds nothing of a refused spawn. */
  async function assertNothingLeft(): Promise<void> {
    assert.deepEqual(await f.driver.listInstances(), []);
    assert.deepEqual(f.containers.store.list(), [], 'no container record');
    assert.deepEqual(await f.t.engine.snapshots.list(), [], 'no snapshot');
    assert.deepEqual(mountsUnder(f.t.dataDir), [], 'no mount');
    assert.deepEqual(fs.readdirSync(`${f.t.dataDir}/containers`).filter((n) => n !== 'exits'), [], 'no container directory');
  }

  const hostile: Array<[string, string]> = [
    ['a relative path climbing out', '../../etc/x'],
    ['an absolute path climbing out', '/var/../../etc/x'],
    ['a dot-dot at the end', '/etc/..'],
    ['a NUL byte', '/etc/x\0y'],
    ['the root itself', '/'],
    ['a path through a symlink in the image to the host', '/escape/planted'],
    ['a path through a symlink deeper down', '/escape/sub/planted'],
    ['a file that is a symlink in the image', '/bin/sh'],
    ['a file through the busybox applet link dir', '/bin/sh/x'],
  ];
  for (const [what, file] of hostile) {
    it(`refuses an injected file at ${what} and changes nothing`, async () => {
      const busyboxBefore = fs.readFileSync('/bin/busybox');
      await assert.rejects(f.driver.spawn(spawnRequest('i-evil', { files: [{ path: '/etc/fine', contents: Buffer.from('ok') }, { path: file, contents: Buffer.from('pwned') }] })), (err: Error) => err instanceof InvalidArgumentError && /^injected file path/.test(err.message));
      await assertNothingLeft();
      assert.deepEqual(fs.readdirSync(images.hostTarget), [], 'nothing was written on the host');
      assert.ok(fs.readFileSync('/bin/busybox').equals(busyboxBefore));
    });
  }

  it('refuses bad requests before creating anything', async () => {
    const bad: Array<[string, Parameters<typeof spawnRequest>[1], new (...a: never[]) => Error]> = [
      ['unknown image', { image: 'no/such:image' }, NotFoundError],
      ['memory below the engine minimum', { resources: { vcpus: 1, memoryMb: 1, diskGb: 0 } }, InvalidArgumentError],
      ['no vcpus', { resources: { vcpus: 0, memoryMb: 64, diskGb: 0 } }, InvalidArgumentError],
      ['a negative disk', { resources: { vcpus: 1, memoryMb: 64, diskGb: -1 } }, InvalidArgumentError],
      ['a bad file mode', { files: [{ path: '/etc/x', contents: Buffer.from('x'), mode: 0o17777 }] }, InvalidArgumentError],
      ['a non-string label', { labels: { a: 1 as unknown as string } }, InvalidArgumentError],
    ];
    for (const [what, extra, type] of bad) {
      await assert.rejects(f.driver.spawn(spawnRequest('i-bad', extra)), type, what);
      await assertNothingLeft();
    }
    await assert.rejects(f.driver.spawn(spawnRequest('../i-bad')), InvalidArgumentError);
    await assertNothingLeft();
  });

  it('removes everything when the host fails to start the instance', async () => {
    // A runtime failure that is not the program's own (cgroup setup, a killed runc) cannot be
    // staged on demand, so the start is made to fail; the mounted rootfs is real.
    const start = sinon.stub(f.containers, 'start').rejects(new Error('runc create failed: cgroup setup: device or resource busy'));
    try {
      await assert.rejects(f.driver.spawn(spawnRequest('i-hostfail', { files: [{ path: '/etc/x', contents: Buffer.from('x') }] })), /cgroup setup/);
    } finally {
      start.restore();
    }
    assert.equal(start.callCount, 1);
    await assertNothingLeft();
  });

  it('refuses a second instance with the same id and leaves the first alone', async () => {
    await f.driver.spawn(spawnRequest('i-dup'));
    const first = f.containerId('i-dup');
    await assert.rejects(f.driver.spawn(spawnRequest('i-dup', { image: bootImage })), AlreadyExistsError);
    assert.equal(f.containerId('i-dup'), first);
    assert.equal(f.containers.store.list().length, 1);
    assert.equal((await f.driver.getInfo('i-dup')).powerState, PowerState.RUNNING);
  });

  it('neither lists nor touches a container it did not create, even one named like an instance', async () => {
    const run = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', f.t.dataDir, 'run', '-d', ...args, bootImage], { encoding: 'utf8' }).trim();
    const plain = run([]);
    // Named and labelled like an instance, but without the driver label.
    const lookalike = run(['--name', 'instance-i-x', '--label', 'org.intermodal.instance-id=i-x']);
    await f.driver.spawn(spawnRequest('i-mine'));
    assert.deepEqual(await f.driver.listInstances(), ['i-mine']);
    await assert.rejects(f.driver.getInfo('i-x'), NotFoundError);
    await assert.rejects(f.driver.powerOff('i-x'), NotFoundError);
    await assert.rejects(f.driver.getConsoleOutput(plain), NotFoundError);
    await assert.rejects(f.driver.getInfo(`../${plain}`), NotFoundError);
    await f.driver.destroy('i-x');
    await f.driver.destroy(plain);
    assert.equal((await f.containers.get(plain)).status, 'running', 'a plain container survives destroy by its id');
    assert.equal((await f.containers.get(lookalike)).status, 'running', 'a look-alike survives destroy by its instance id');
    const res = await f.driver.getAvailableResource();
    assert.equal(res.runningInstances, 1, 'foreign containers are not counted');
  });

  it('refuses operations the state does not allow, with the engine\'s categories', async () => {
    await f.driver.spawn(spawnRequest('i-st'));
    await assert.rejects(f.driver.unpause('i-st'), FailedPreconditionError);
    await f.driver.powerOff('i-st', 5);
    await assert.rejects(f.driver.pause('i-st'), FailedPreconditionError);
    await assert.rejects(f.driver.reboot('i-st', 'WARM' as 'SOFT'), InvalidArgumentError);
    await assert.rejects(f.driver.getConsoleOutput('i-st', -1), InvalidArgumentError);
    await assert.rejects(f.driver.resize('i-st', { vcpus: 1, memoryMb: 0, diskGb: 0 }), InvalidArgumentError);
    await assert.rejects(f.driver.rebuild('i-st', spawnRequest('i-other')), InvalidArgumentError);
    await assert.rejects(f.driver.snapshot('nope', {}), NotFoundError);
    // A stopped instance can still be resized (recorded, applied at the next start).
    await f.driver.resize('i-st', { vcpus: 1, memoryMb: 80, diskGb: 1 });
    await f.driver.powerOn('i-st');
    assert.equal((await f.driver.getInfo('i-st')).maxMemoryBytes, 80 * 1024 * 1024);
  });
});
