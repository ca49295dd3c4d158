/**
 * Volume attach through the placement driver over a local host and a real private dockerd:
 * an instance on the local host gets the volume mounted while it runs, one on the Docker
 * host (whose driver has no attachVolume) is refused with a clear message; detaching from
 * either is quiet.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { MultiHostDriver } from '../../../drivers/placement/multi-host-driver.js';
import { NotImplementedError } from '../../../engine/errors.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type DriverFixture, type ImageFixtures, makeImageFixtures, openDriverFixture, removeImageFixtures, spawnRequest } from '../local/driver-fixture.js';

describe('drivers/placement: attachVolume on a local host and a Docker host', function () {
  this.timeout(120_000);
  let images: ImageFixtures;
  let root: string;
  let dockerd: PrivateDockerd | undefined;
  let f: DriverFixture;
  let docker: DockerComputeDriver;

  before(async function () {
    images = makeImageFixtures();
    root = makeTempDir('attach-hosts');
    const started = await startDockerd(root);
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    f = await openDriverFixture(images);
    docker = new DockerComputeDriver(f.t.engine, { endpoint: `unix://${path.join(root, 'docker.sock')}`, hostName: 'dock', requestTimeoutMs: 5000 });
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

  it('mounts the volume in the local instance without a restart and refuses the Docker one by name', async () => {
    // The Docker host is listed first, so the first instance goes there and the second here.
    const multi = new MultiHostDriver([{ name: 'dock', driver: docker }, { name: 'here', driver: f.driver }]);
    await multi.spawn(spawnRequest('on-docker'));
    await multi.spawn(spawnRequest('on-local'));
    const volume = f.containers.volumes.create('volume-test', { sizeBytes: 32 * 1024 * 1024 });
    const ref = { volumeId: 'test', engineVolume: volume.name };

    await assert.rejects(multi.attachVolume('on-docker', ref, '/mnt/vdb'), (err: Error) => err instanceof NotImplementedError && /the compute host of server on-docker \(dock\) cannot attach volumes/.test(err.message));
    await multi.detachVolume('on-docker', ref);

    const pid = f.containers.store.resolve('instance-on-local').pid;
    await multi.attachVolume('on-local', ref, '/mnt/vdb');
    assert.equal((await f.exec('on-local', ['sh', '-c', 'echo hi > /mnt/vdb/f && cat /mnt/vdb/f'])).stdout, 'hi\n');
    assert.equal(f.containers.store.resolve('instance-on-local').pid, pid, 'not restarted');
    await multi.detachVolume('on-local', ref);
    await multi.detachVolume('on-local', ref);
    assert.equal((await f.exec('on-local', ['test', '-e', '/mnt/vdb/f'])).code, 1, 'unmounted inside');

    await multi.destroy('on-docker');
    await multi.destroy('on-local');
    f.containers.volumes.remove(volume.name);
  });
});
