/**
 * The placement driver over two real hosts sharing one image store: this machine's engine
 * (local driver) and a private dockerd (docker driver). Instances land by room and count,
 * every call reaches the host that holds the instance, a restarted server finds them again
 * from the hosts' labels, and a daemon that goes away makes its instances NOSTATE while the
 * other host keeps serving.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { PowerState } from '../../../drivers/compute-driver.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { MultiHostDriver } from '../../../drivers/placement/multi-host-driver.js';
import { FailedPreconditionError } from '../../../engine/errors.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type DriverFixture, type ImageFixtures, makeImageFixtures, openDriverFixture, removeImageFixtures, spawnRequest, until } from '../local/driver-fixture.js';

describe('drivers/placement/multi-host-driver (local engine + private dockerd)', function () {
  this.timeout(120_000);
  let images: ImageFixtures;
  let root: string;
  let dockerd: PrivateDockerd | undefined;
  let f: DriverFixture;
  let docker: DockerComputeDriver;
  let multi: MultiHostDriver;

  before(async function () {
    images = makeImageFixtures();
    root = makeTempDir('placement-dockerd');
    const started = await startDockerd(root);
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    f = await openDriverFixture(images);
    docker = new DockerComputeDriver(f.t.engine, { endpoint: `unix://${path.join(root, 'docker.sock')}`, hostName: 'dock', requestTimeoutMs: 5000 });
    multi = new MultiHostDriver([{ name: 'here', driver: f.driver }, { name: 'dock', driver: docker }], { placementFile: path.join(root, 'placement.json') });
  });
  after(async () => {
    if (dockerd) {
      await dockerd.stop();
      docker.close();
      await f.teardown();
    }
    removeTempDir(root);
    removeImageFixtures(images);
  });

  const onDaemon = (): string[] => dockerd!.docker(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean).sort();

  it('places instances by room, then fewest instances, and routes every call to their host', async () => {
    await multi.spawn(spawnRequest('a'));
    await multi.spawn(spawnRequest('b'));
    assert.deepEqual(f.containers.store.list().map((r) => r.name), ['instance-a'], 'the first goes to the first host');
    assert.deepEqual(onDaemon(), ['instance-b'], 'the second to the host with fewer instances');
    assert.deepEqual((await multi.listInstances()).sort(), ['a', 'b']);
    await until('both consoles', async () => ((await multi.getConsoleOutput('a')) === 'booted\n' && (await multi.getConsoleOutput('b')) === 'booted\n' ? true : undefined));
    const hosts = await multi.listHosts();
    assert.deepEqual(hosts.map((h) => [h.hypervisorHostname, h.hypervisorType, h.runningInstances]), [['here', 'intermodal', 1], ['dock', 'docker', 1]]);
    assert.equal((await multi.getAvailableResource()).runningInstances, 2);

    // A restarted server: a new placement driver asks the hosts where its instances are.
    const again = new MultiHostDriver([{ name: 'here', driver: f.driver }, { name: 'dock', driver: docker }]);
    await again.powerOff('b', 5);
    assert.equal((await again.getInfo('b')).powerState, PowerState.SHUTDOWN);
    assert.equal((await multi.getInfo('a')).powerState, PowerState.RUNNING);
    await again.destroy('b');
    await again.destroy('a');
    assert.deepEqual(onDaemon(), []);
    assert.deepEqual(f.containers.store.list(), []);
  });

  it('refuses a flavor no host has room for, and creates nothing', async () => {
    await assert.rejects(multi.spawn(spawnRequest('huge', { resources: { vcpus: 1, memoryMb: 64 * 1024 * 1024, diskGb: 0 } })), (err: Error) =>
      err instanceof FailedPreconditionError && /here: .*dock: /.test(err.message));
    assert.deepEqual(await multi.listInstances(), []);
    assert.deepEqual(onDaemon(), []);
  });

  it('reports a host that stops answering as NOSTATE for its instances; the other host keeps serving', async () => {
    await multi.spawn(spawnRequest('l1'));
    await multi.spawn(spawnRequest('d1'));
    assert.deepEqual(onDaemon(), ['instance-d1']);
    await multi.powerOff('d1', 5);
    await dockerd!.stop();
    const lost = await multi.getInfo('d1');
    assert.equal(lost.powerState, PowerState.NOSTATE);
    // A restarted server still knows where d1 is, though its host cannot be asked.
    const restarted = new MultiHostDriver([{ name: 'here', driver: f.driver }, { name: 'dock', driver: docker }], { placementFile: path.join(root, 'placement.json') });
    assert.equal((await restarted.getInfo('d1')).powerState, PowerState.NOSTATE);
    assert.deepEqual((await restarted.listInstances()).sort(), ['d1', 'l1']);
    assert.equal((await multi.getInfo('l1')).powerState, PowerState.RUNNING);
    assert.deepEqual((await multi.listHosts()).map((h) => h.hypervisorHostname), ['here']);
    await multi.spawn(spawnRequest('l2'));
    assert.deepEqual(f.containers.store.list().map((r) => r.name).sort(), ['instance-l1', 'instance-l2'], 'new instances go to the host that answers');
    await multi.destroy('l1');
    await multi.destroy('l2');
  });
});
