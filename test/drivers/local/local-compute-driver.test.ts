import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readCgroupStats } from '../../../engine/containers/cgroup-stats.js';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { loadEngineConfig } from '../../../engine/config.js';
import { Engine } from '../../../engine/engine.js';
import { NotFoundError } from '../../../engine/errors.js';
import { LocalComputeDriver } from '../../../drivers/local/index.js';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import { PowerState } from '../../../drivers/compute-driver.js';
import { mountsUnder } from '../../helpers/test-engine.js';
import { type DriverFixture, type ImageFixtures, failingImage, makeImageFixtures, missingCommandImage, openDriverFixture, otherImage, removeImageFixtures, spawnRequest, tiny, until } from './driver-fixture.js';

describe('drivers/local/local-compute-driver (real runc, conmon, overlayfs)', function () {
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

  /** Waits for the console to read `text`: a start returns before the process has printed. */
  const consoleShows = (instanceId: string, text: string): Promise<unknown> =>
    until(`console of ${instanceId} to read ${JSON.stringify(text)}`, async () => ((await f.driver.getConsoleOutput(instanceId)) === text ? true : undefined), 5000);
  const cgroupOf = (instanceId: string): string => `/intermodal/${f.containerId(instanceId)}`;

  it('spawns a running instance with its files, hostname, labels and limits', async () => {
    const info = await f.driver.spawn(spawnRequest('i-1', {
      name: 'Web Server #1',
      resources: { vcpus: 2, memoryMb: 96, diskGb: 1 },
      files: [
        { path: '/root/.ssh/authorized_keys', contents: Buffer.from('ssh-ed25519 AAAA test\n'), mode: 0o600 },
        { path: '/etc/motd', contents: Buffer.from('hello from the API\n') },
      ],
    }));
    assert.equal(info.powerState, PowerState.RUNNING);
    assert.equal(info.failure, undefined);
    assert.equal(info.maxMemoryBytes, 96 * 1024 * 1024);
    assert.deepEqual(await f.driver.listInstances(), ['i-1']);

    const keys = await f.exec('i-1', ['sh', '-c', 'cat /root/.ssh/authorized_keys; stat -c %a /root/.ssh/authorized_keys /etc/motd; cat /etc/motd; hostname']);
    assert.equal(keys.stdout, 'ssh-ed25519 AAAA test\n600\n644\nhello from the API\nweb-server-1\n');

    const stats = readCgroupStats(cgroupOf('i-1'))!;
    assert.equal(stats.memoryLimitBytes, 96 * 1024 * 1024, 'the flavor memory is the cgroup limit');
    assert.deepEqual(stats.cpuQuota, { quotaMicros: 200_000, periodMicros: 100_000 }, '2 vcpus are two CPUs of quota');
    const record = await f.containers.get(f.containerId('i-1'));
    assert.equal(record.name, 'instance-i-1');
    assert.equal(record.spec.labels['org.intermodal.project-id'], 'p1');
    assert.equal(record.spec.labels['org.intermodal.driver'], 'local');
    assert.equal(record.spec.cpuShares, 2048);
    assert.equal(record.spec.restartPolicy.name, 'no');

    const later = await f.driver.getInfo('i-1');
    assert.equal(later.powerState, PowerState.RUNNING);
    assert.ok(later.memoryBytes > 0, 'memory in use is read from the cgroup');
    assert.ok(later.cpuTimeNs > 0, 'CPU time is read from the cgroup');
    await consoleShows('i-1', 'booted\n');
  });

  it('runs the boot script before the image command, which still runs as pid 1', async () => {
    const script = Buffer.from('#!/bin/sh\necho "boot script ran" > /root/marker\necho from-user-data\n');
    const info = await f.driver.spawn(spawnRequest('i-boot', { bootScript: script }));
    assert.equal(info.powerState, PowerState.RUNNING);
    const out = await f.exec('i-boot', ['sh', '-c', 'cat /root/marker; stat -c %a /var/lib/cloud/instance/user-data.sh; cat /proc/1/cmdline | tr "\\0" " "']);
    assert.match(out.stdout, /^boot script ran\n755\nsh -c echo booted/);
    await consoleShows('i-boot', 'from-user-data\nbooted\n');
    // The image's command handles SIGTERM itself, so a graceful stop is quick: it was exec'd.
    const started = Date.now();
    await f.driver.powerOff('i-boot', 20);
    assert.ok(Date.now() - started < 5000, 'the exec\'d command received the stop signal');
  });

  it('records a boot script it cannot run when the image has no /bin/sh, and boots anyway', async () => {
    await importRootfs(f.t.engine, fs.createReadStream(images.noShellTar), { ref: 'test/no-shell:1', changes: ['CMD ["/bin/busybox", "sleep", "300"]'] });
    const info = await f.driver.spawn(spawnRequest('i-nosh', { image: 'test/no-shell:1', bootScript: Buffer.from('#!/bin/sh\ntouch /ran\n') }));
    assert.equal(info.powerState, PowerState.RUNNING);
    const record = await f.containers.get(f.containerId('i-nosh'));
    assert.equal(record.spec.labels['org.intermodal.boot-script'], 'not run: the image has no /bin/sh');
    assert.equal(record.spec.entrypoint, undefined, 'the command is the image\'s own');
    assert.equal((await f.exec('i-nosh', ['/bin/busybox', 'ls', '/var/lib/cloud/instance/user-data.sh'])).code, 1, 'the script was not placed either');
  });

  it('returns a down instance with the reason and last output when its command fails at once', async () => {
    const failed = await f.driver.spawn(spawnRequest('i-fail', { image: failingImage }));
    assert.equal(failed.powerState, PowerState.SHUTDOWN);
    assert.equal(failed.exitCode, 3);
    assert.match(failed.failure!, /exited with code 3/);
    assert.match(failed.failure!, /going down\nno config found/);

    const missing = await f.driver.spawn(spawnRequest('i-missing', { image: missingCommandImage }));
    assert.equal(missing.powerState, PowerState.SHUTDOWN);
    assert.match(missing.failure!, /could not start: .*no-such-program/);
    // Both exist, so that the API can show them in ERROR and delete them.
    assert.deepEqual((await f.driver.listInstances()).sort(), ['i-fail', 'i-missing']);
    await f.driver.destroy('i-fail');
    await f.driver.destroy('i-missing');
    assert.deepEqual(await f.driver.listInstances(), []);
    assert.deepEqual(await f.t.engine.snapshots.list(), []);
  });

  it('reports an instance the OOM killer ended as down, with the reason', async () => {
    // pid 1 itself collects 64 MiB of output into a variable, in a 16 MiB flavor.
    await importRootfs(f.t.engine, fs.createReadStream(images.rootfsTar), { ref: 'test/hog:1', changes: ['CMD ["sh", "-c", "echo hogging; x=$(head -c 67108864 /dev/zero | tr \\"\\\\0\\" x); sleep 300"]'] });
    await f.driver.spawn(spawnRequest('i-oom', { image: 'test/hog:1', resources: { vcpus: 1, memoryMb: 16, diskGb: 0 } }));
    const info = await until('the OOM kill', async () => {
      const i = await f.driver.getInfo('i-oom');
      return i.powerState === PowerState.SHUTDOWN ? i : undefined;
    });
    assert.equal(info.exitCode, 137);
    assert.match(info.failure!, /^OOM killed; last output:\nhogging$/);
  });

  it('powers off and on; a user stop is not a failure', async () => {
    await f.driver.spawn(spawnRequest('i-pow'));
    await f.driver.powerOff('i-pow', 5);
    const off = await f.driver.getInfo('i-pow');
    assert.equal(off.powerState, PowerState.SHUTDOWN);
    assert.equal(off.failure, undefined);
    assert.deepEqual(mountsUnder(f.containers.paths(f.containerId('i-pow')).dir), [], 'a stopped instance holds no mount');
    await f.driver.powerOn('i-pow');
    assert.equal((await f.driver.getInfo('i-pow')).powerState, PowerState.RUNNING);
    await consoleShows('i-pow', 'booted\nbooted\n');
  });

  it('reboots SOFT and HARD with a new init process each time', async () => {
    await f.driver.spawn(spawnRequest('i-reb'));
    const pid0 = (await f.containers.get(f.containerId('i-reb'))).pid!;
    await f.driver.reboot('i-reb', 'SOFT');
    const pid1 = (await f.containers.get(f.containerId('i-reb'))).pid!;
    assert.notEqual(pid1, pid0);
    await f.driver.pause('i-reb');
    await f.driver.reboot('i-reb', 'HARD');
    const after = await f.containers.get(f.containerId('i-reb'));
    assert.notEqual(after.pid, pid1);
    assert.equal((await f.driver.getInfo('i-reb')).powerState, PowerState.RUNNING, 'a hard reboot also recovers a paused instance');
    await consoleShows('i-reb', 'booted\nbooted\nbooted\n');
  });

  it('pauses and unpauses through the freezer', async () => {
    await f.driver.spawn(spawnRequest('i-pause'));
    await f.driver.pause('i-pause');
    assert.equal((await f.driver.getInfo('i-pause')).powerState, PowerState.PAUSED);
    const freezer = `/sys/fs/cgroup/freezer${cgroupOf('i-pause')}/freezer.state`;
    if (fs.existsSync(freezer)) assert.equal(fs.readFileSync(freezer, 'utf8').trim(), 'FROZEN');
    else assert.equal(fs.readFileSync(`/sys/fs/cgroup${cgroupOf('i-pause')}/cgroup.freeze`, 'utf8').trim(), '1');
    await f.driver.unpause('i-pause');
    assert.equal((await f.driver.getInfo('i-pause')).powerState, PowerState.RUNNING);
    assert.equal((await f.exec('i-pause', ['echo', 'awake'])).stdout, 'awake\n');
  });

  it('gives the tail of the console, stdout and stderr in order', async () => {
    const script = Buffer.from('#!/bin/sh\nfor i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done\n');
    await f.driver.spawn(spawnRequest('i-con', { bootScript: script }));
    // The script takes longer than spawn watches the instance; wait for the image's line.
    await until('the image command to print', async () => ((await f.driver.getConsoleOutput('i-con')).endsWith('booted\n') ? true : undefined));
    assert.equal(await f.driver.getConsoleOutput('i-con'), 'out1\nerr1\nout2\nerr2\nout3\nerr3\nbooted\n');
    assert.equal(await f.driver.getConsoleOutput('i-con', 3), 'out3\nerr3\nbooted\n');
    assert.equal(await f.driver.getConsoleOutput('i-con', 0), '');
  });

  it('resizes live, keeps the new limits across a restart, and counts them as allocated', async () => {
    await f.driver.spawn(spawnRequest('i-rs'));
    const pid = (await f.containers.get(f.containerId('i-rs'))).pid;
    await f.driver.resize('i-rs', { vcpus: 0.5, memoryMb: 128, diskGb: 2 });
    let stats = readCgroupStats(cgroupOf('i-rs'))!;
    assert.equal(stats.memoryLimitBytes, 128 * 1024 * 1024);
    assert.deepEqual(stats.cpuQuota, { quotaMicros: 50_000, periodMicros: 100_000 });
    assert.equal((await f.containers.get(f.containerId('i-rs'))).pid, pid, 'not restarted');
    assert.equal((await f.driver.getInfo('i-rs')).maxMemoryBytes, 128 * 1024 * 1024);
    // Shrinking works too (memory first, then memory+swap on v1).
    await f.driver.resize('i-rs', { vcpus: 1, memoryMb: 48, diskGb: 2 });
    await f.driver.reboot('i-rs', 'SOFT');
    stats = readCgroupStats(cgroupOf('i-rs'))!;
    assert.equal(stats.memoryLimitBytes, 48 * 1024 * 1024, 'the restarted instance keeps the resized limit');
    const res = await f.driver.getAvailableResource();
    assert.equal(res.memoryMbUsed, 48);
    assert.equal(res.vcpusUsed, 1);
    assert.equal(res.localGbUsed, 2);
  });

  it('snapshots to an image that boots with the instance\'s files, and the instance keeps running', async () => {
    await f.driver.spawn(spawnRequest('i-snap'));
    assert.equal((await f.exec('i-snap', ['sh', '-c', 'echo precious > /root/data.txt'])).code, 0);
    const snap = await f.driver.snapshot('i-snap', { tag: 'snaps/i-snap:1', comment: 'before upgrade' });
    assert.match(snap.imageId, /^sha256:[a-f0-9]{64}$/);
    assert.ok(snap.size > 1_000_000, 'the size counts every layer (busybox included)');
    assert.equal(f.t.engine.images.resolve('snaps/i-snap:1').id, snap.imageId);
    assert.equal((await f.driver.getInfo('i-snap')).powerState, PowerState.RUNNING);
    await f.driver.spawn(spawnRequest('i-from-snap', { image: snap.imageId }));
    assert.equal((await f.exec('i-from-snap', ['cat', '/root/data.txt'])).stdout, 'precious\n');
  });

  it('rebuilds onto a new image under the same id', async () => {
    await f.driver.spawn(spawnRequest('i-rb'));
    await f.exec('i-rb', ['touch', '/root/old-state']);
    const oldContainer = f.containerId('i-rb');
    const info = await f.driver.rebuild('i-rb', spawnRequest('i-rb', { image: otherImage, files: [{ path: '/etc/rebuilt', contents: Buffer.from('yes\n') }] }));
    assert.equal(info.instanceId, 'i-rb');
    assert.equal(info.powerState, PowerState.RUNNING);
    assert.deepEqual(await f.driver.listInstances(), ['i-rb']);
    assert.notEqual(f.containerId('i-rb'), oldContainer);
    const out = await f.exec('i-rb', ['sh', '-c', 'cat /etc/flavour /etc/rebuilt; test -e /root/old-state && echo stale || echo clean']);
    assert.equal(out.stdout, 'other\nyes\nclean\n');
    await assert.rejects(f.driver.rebuild('i-rb', spawnRequest('i-rb', { image: 'no/such:image' })), NotFoundError);
    assert.equal((await f.driver.getInfo('i-rb')).powerState, PowerState.RUNNING, 'a refused rebuild keeps the instance');
  });

  it('destroys everything an instance held; an unknown id is not an error', async () => {
    await f.driver.spawn(spawnRequest('i-del', { files: [{ path: '/etc/x', contents: Buffer.from('x') }] }));
    const id = f.containerId('i-del');
    const dir = f.containers.paths(id).dir;
    await f.driver.destroy('i-del');
    assert.deepEqual(await f.driver.listInstances(), []);
    assert.deepEqual(f.containers.store.list(), []);
    assert.deepEqual(await f.t.engine.snapshots.list(), []);
    assert.deepEqual(mountsUnder(f.t.dataDir), []);
    assert.equal(fs.existsSync(dir), false);
    assert.equal(readCgroupStats(`/intermodal/${id}`), undefined, 'no cgroup is left');
    await f.driver.destroy('i-del');
    await f.driver.destroy('never-existed');
    await assert.rejects(f.driver.getInfo('i-del'), NotFoundError);
  });

  it('sees its instances again from a new server process over the same data dir', async () => {
    await f.driver.spawn(spawnRequest('i-keep'));
    // What a restarted server builds: its own engine, container service and driver.
    const engine = Engine.open(loadEngineConfig({ dataDir: f.t.dataDir }));
    try {
      const again = new LocalComputeDriver(openContainerService(engine), engine);
      assert.deepEqual(await again.listInstances(), ['i-keep']);
      assert.equal((await again.getInfo('i-keep')).powerState, PowerState.RUNNING);
      await again.powerOff('i-keep', 5);
    } finally {
      engine.close();
    }
    assert.equal((await f.driver.getInfo('i-keep')).powerState, PowerState.SHUTDOWN);
  });

  it('reports host capacity and allocations of its own instances only', async () => {
    const empty = await f.driver.getAvailableResource();
    assert.equal(empty.vcpusUsed, 0);
    assert.equal(empty.runningInstances, 0);
    assert.ok(empty.vcpus >= 1 && empty.memoryMb > 0 && empty.localGb > 0);
    await f.driver.spawn(spawnRequest('i-a', { resources: tiny }));
    await f.driver.spawn(spawnRequest('i-b', { resources: { vcpus: 2, memoryMb: 256, diskGb: 10 } }));
    await f.driver.powerOff('i-b', 5);
    const used = await f.driver.getAvailableResource();
    assert.deepEqual([used.vcpusUsed, used.memoryMbUsed, used.localGbUsed, used.runningInstances], [3, 320, 11, 2], 'a stopped instance keeps its allocation');
  });
});
