/**
 * One suite every compute driver passes, checked the way a user of the API would check:
 * through the driver's own answers (power state, failure, console output, resources) and
 * a look at the host (which containers exist, what is mounted). The local driver's own
 * tests keep what only it can show (cgroup files, engine records); this suite holds the
 * behaviour every driver owes the API layer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { type ComputeDriver, PowerState } from '../../drivers/compute-driver.js';
import { NotFoundError } from '../../engine/errors.js';
import { importRootfs } from '../../engine/images/import-rootfs.js';
import { failingImage, type ImageFixtures, makeImageFixtures, missingCommandImage, otherImage, removeImageFixtures, spawnRequest, tiny, until } from '../drivers/local/driver-fixture.js';
import { type ConformanceTarget, type TargetInstance, dockerTarget, localTarget } from './conformance-targets.js';

const mib = 1024 * 1024;

for (const target of [localTarget(), dockerTarget()] as ConformanceTarget[]) {
  describe(`compute driver conformance: ${target.name}`, function () {
    this.timeout(120_000);
    let images: ImageFixtures;
    let x: TargetInstance;
    let d: ComputeDriver;

    before(async function () {
      images = makeImageFixtures();
      const reason = await target.setup(images);
      if (reason !== undefined) {
        console.log(`      skipped: the ${target.name} driver cannot run here: ${reason}`);
        this.skip();
      }
    });
    after(async () => {
      await target.close();
      removeImageFixtures(images);
    });
    beforeEach(async () => {
      x = await target.open();
      d = x.driver;
    });
    afterEach(async () => {
      await x?.teardown();
    });

    const consoleOf = (id: string): Promise<string> => d.getConsoleOutput(id);
    /** Waits until the console reads `text` exactly: a start returns before the process has printed. */
    const consoleShows = (id: string, text: string): Promise<unknown> =>
      until(`console of ${id} to read ${JSON.stringify(text)}`, async () => ((await consoleOf(id)) === text ? true : undefined), 10_000).catch(async (err) => {
        throw new Error(`${(err as Error).message}; it reads ${JSON.stringify(await consoleOf(id))}`);
      });
    const script = (text: string): Buffer => Buffer.from(`#!/bin/sh\n${text}\n`);

    it('spawns a running instance whose injected files and boot script show in its console', async () => {
      const info = await d.spawn(spawnRequest('i-1', {
        name: 'Web Server #1',
        resources: { vcpus: 2, memoryMb: 96, diskGb: 1 },
        files: [
          { path: '/root/.ssh/authorized_keys', contents: Buffer.from('ssh-ed25519 AAAA test\n'), mode: 0o600 },
          { path: '/etc/motd', contents: Buffer.from('hello from the API\n') },
        ],
        bootScript: script('cat /root/.ssh/authorized_keys /etc/motd; stat -c %a /root/.ssh/authorized_keys; hostname'),
      }));
      assert.equal(info.powerState, PowerState.RUNNING);
      assert.equal(info.failure, undefined);
      assert.equal(info.maxMemoryBytes, 96 * mib);
      assert.deepEqual(await d.listInstances(), ['i-1']);
      await consoleShows('i-1', 'ssh-ed25519 AAAA test\nhello from the API\n600\nweb-server-1\nbooted\n');
      const later = await d.getInfo('i-1');
      assert.equal(later.powerState, PowerState.RUNNING);
      assert.ok(later.memoryBytes > 0, 'memory in use is reported');
      assert.ok(later.cpuTimeNs > 0, 'CPU time is reported');
    });

    it('honours a container resource\'s process overrides, with and without a boot script', async () => {
      const process = { command: ['sh', '-c', 'echo "$GREETING from $(pwd)"; sleep 300'], env: ['GREETING=hi'], workingDir: '/tmp', hostname: 'custom' };
      await d.spawn(spawnRequest('i-proc', { process }));
      await consoleShows('i-proc', 'hi from /tmp\n');
      await d.spawn(spawnRequest('i-proc-boot', { process, bootScript: script('hostname') }));
      await consoleShows('i-proc-boot', 'custom\nhi from /tmp\n');
    });

    it('reports a command that exits at once as down, with the reason and its last lines', async () => {
      const failed = await d.spawn(spawnRequest('i-fail', { image: failingImage }));
      assert.equal(failed.powerState, PowerState.SHUTDOWN);
      assert.equal(failed.exitCode, 3);
      assert.match(failed.failure!, /^exited with code 3; last output:\ngoing down\nno config found$/);
      const missing = await d.spawn(spawnRequest('i-missing', { image: missingCommandImage }));
      assert.equal(missing.powerState, PowerState.SHUTDOWN);
      assert.match(missing.failure!, /could not start: .*no-such-program/);
      assert.deepEqual((await d.listInstances()).sort(), ['i-fail', 'i-missing'], 'both exist, so the API can show and delete them');
    });

    it('enforces the memory limit: a process allocating past it is OOM-killed and reported', async () => {
      await importRootfs(x.engine, fs.createReadStream(images.rootfsTar), { ref: 'test/hog:1', changes: ['CMD ["sh", "-c", "echo hogging; x=$(head -c 67108864 /dev/zero | tr \\"\\\\0\\" x); sleep 300"]'] });
      await d.spawn(spawnRequest('i-oom', { image: 'test/hog:1', resources: { vcpus: 1, memoryMb: 16, diskGb: 0 } }));
      const info = await until('the OOM kill', async () => {
        const i = await d.getInfo('i-oom');
        return i.powerState === PowerState.SHUTDOWN ? i : undefined;
      });
      assert.equal(info.exitCode, 137);
      assert.match(info.failure!, /^OOM killed; last output:\nhogging$/);
    });

    it('powers off and on; a user stop is not a failure', async () => {
      await d.spawn(spawnRequest('i-pow'));
      await d.powerOff('i-pow', 5);
      const off = await d.getInfo('i-pow');
      assert.equal(off.powerState, PowerState.SHUTDOWN);
      assert.equal(off.failure, undefined);
      assert.deepEqual(x.instanceMounts(), [], 'a stopped instance holds no mount');
      await d.powerOn('i-pow');
      assert.equal((await d.getInfo('i-pow')).powerState, PowerState.RUNNING);
      await consoleShows('i-pow', 'booted\nbooted\n');
    });

    it('reboots SOFT and HARD (a hard reboot also recovers a paused instance)', async () => {
      await d.spawn(spawnRequest('i-reb'));
      await consoleShows('i-reb', 'booted\n');
      await d.reboot('i-reb', 'SOFT');
      await consoleShows('i-reb', 'booted\nbooted\n');
      await d.pause('i-reb');
      await d.reboot('i-reb', 'HARD');
      assert.equal((await d.getInfo('i-reb')).powerState, PowerState.RUNNING);
      await consoleShows('i-reb', 'booted\nbooted\nbooted\n');
    });

    it('pauses and unpauses: a paused instance runs nothing', async () => {
      await d.spawn(spawnRequest('i-pause', { bootScript: script('(while :; do echo tick; sleep 0.05; done) &') }));
      await until('ticks', async () => ((await consoleOf('i-pause')).includes('tick\ntick') ? true : undefined));
      await d.pause('i-pause');
      assert.equal((await d.getInfo('i-pause')).powerState, PowerState.PAUSED);
      const frozen = await consoleOf('i-pause');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await consoleOf('i-pause'), frozen, 'no output while paused');
      await d.unpause('i-pause');
      assert.equal((await d.getInfo('i-pause')).powerState, PowerState.RUNNING);
      await until('ticks after unpause', async () => ((await consoleOf('i-pause')).length > frozen.length ? true : undefined));
    });

    it('gives the tail of the console, stdout and stderr in order', async () => {
      await d.spawn(spawnRequest('i-con', { bootScript: script('for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done') }));
      await consoleShows('i-con', 'out1\nerr1\nout2\nerr2\nout3\nerr3\nbooted\n');
      assert.equal(await d.getConsoleOutput('i-con', 3), 'out3\nerr3\nbooted\n');
      assert.equal(await d.getConsoleOutput('i-con', 0), '');
    });

    it('resizes live, keeps the new limits across a restart, and counts them as allocated', async () => {
      await d.spawn(spawnRequest('i-rs'));
      await consoleShows('i-rs', 'booted\n');
      await d.resize('i-rs', { vcpus: 0.5, memoryMb: 128, diskGb: 2 });
      assert.equal((await d.getInfo('i-rs')).maxMemoryBytes, 128 * mib);
      assert.equal(await consoleOf('i-rs'), 'booted\n', 'not restarted');
      let res = await d.getAvailableResource();
      assert.deepEqual([res.vcpusUsed, res.memoryMbUsed, res.localGbUsed, res.runningInstances], [0.5, 128, 2, 1]);
      await d.resize('i-rs', { vcpus: 1, memoryMb: 48, diskGb: 2 });
      await d.reboot('i-rs', 'SOFT');
      await consoleShows('i-rs', 'booted\nbooted\n');
      assert.equal((await d.getInfo('i-rs')).maxMemoryBytes, 48 * mib, 'the restarted instance keeps the resized limit');
      res = await d.getAvailableResource();
      assert.deepEqual([res.vcpusUsed, res.memoryMbUsed], [1, 48]);
      assert.ok(res.vcpus >= 1 && res.memoryMb > 0);
    });

    it('snapshots to an engine image that boots with the instance\'s files, and the instance keeps running', async () => {
      await d.spawn(spawnRequest('i-snap', { bootScript: script('echo precious > /root/data.txt') }));
      await consoleShows('i-snap', 'booted\n');
      const snap = await d.snapshot('i-snap', { tag: 'snaps/i-snap:1', comment: 'before upgrade' });
      assert.match(snap.imageId, /^sha256:[a-f0-9]{64}$/);
      assert.ok(snap.size > 1_000_000, 'the size counts every layer (busybox included)');
      assert.equal(x.engine.images.resolve('snaps/i-snap:1').id, snap.imageId, 'the snapshot is in our store');
      assert.equal((await d.getInfo('i-snap')).powerState, PowerState.RUNNING);
      await d.spawn(spawnRequest('i-from-snap', { image: snap.imageId, bootScript: script('cat /root/data.txt') }));
      await consoleShows('i-from-snap', 'precious\nbooted\n');
    });

    it('rebuilds onto a new image under the same id; a refused rebuild keeps the instance', async () => {
      await d.spawn(spawnRequest('i-rb', { bootScript: script('touch /root/old-state') }));
      const info = await d.rebuild('i-rb', spawnRequest('i-rb', { image: otherImage, bootScript: script('cat /etc/flavour; test -e /root/old-state && echo stale || echo clean') }));
      assert.equal(info.powerState, PowerState.RUNNING);
      assert.deepEqual(await d.listInstances(), ['i-rb']);
      await consoleShows('i-rb', 'other\nclean\nbooted\n');
      await assert.rejects(d.rebuild('i-rb', spawnRequest('i-rb', { image: 'no/such:image' })), NotFoundError);
      assert.equal((await d.getInfo('i-rb')).powerState, PowerState.RUNNING);
    });

    it('destroys everything an instance held; an unknown id is not an error', async () => {
      await d.spawn(spawnRequest('i-del', { files: [{ path: '/etc/x', contents: Buffer.from('x') }] }));
      assert.deepEqual(await x.backendContainers(), ['instance-i-del']);
      await d.destroy('i-del');
      assert.deepEqual(await d.listInstances(), []);
      assert.deepEqual(await x.backendContainers(), [], 'no container on the host');
      assert.deepEqual(x.engineContainers(), [], 'no container in our engine');
      assert.deepEqual(x.instanceMounts(), [], 'no mount');
      await d.destroy('i-del');
      await d.destroy('never-existed');
      await assert.rejects(d.getInfo('i-del'), NotFoundError);
    });

    it('never sees or touches a container it did not create', async () => {
      await x.createForeign('instance-foreign', otherImage);
      await d.spawn(spawnRequest('i-mine', { resources: tiny }));
      assert.deepEqual(await d.listInstances(), ['i-mine']);
      await assert.rejects(d.getInfo('foreign'), NotFoundError);
      await assert.rejects(d.powerOn('foreign'), NotFoundError);
      await d.destroy('foreign');
      assert.ok((await x.backendContainers()).includes('instance-foreign'), 'the foreign container is still there');
      const res = await d.getAvailableResource();
      assert.equal(res.runningInstances, 1, 'only its own instances count');
      assert.equal(res.memoryMbUsed, tiny.memoryMb);
    });
  });
}
