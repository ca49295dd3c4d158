/**
 * The docker driver's refusals and its image handling, on a private dockerd: bad input
 * gets a clear error and leaves nothing on the daemon; our image reaches the daemon under
 * its own id (docker load of our archive gives the same image ID), once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sinon from 'sinon';
import { PowerState } from '../../../drivers/compute-driver.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { NetworkService } from '../../../engine/network/network-service.js';
import { bootImage, spawnRequest } from '../local/driver-fixture.js';
import { useDockerDriver } from './docker-driver-fixture.js';

describe('drivers/docker refusals and image transfer (private dockerd)', function () {
  this.timeout(120_000);
  const f = useDockerDriver('docker-refusals');

  const containers = (): string[] => f.dockerd.docker(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean);
  const dockerNetworks = (): string[] => f.dockerd.docker(['network', 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n.startsWith('intermodal-'));
  const daemonImages = (): string[] => f.dockerd.docker(['images', '-q', '--no-trunc']).split('\n').filter(Boolean);
  const loadEvents = (since: number): number => f.dockerd.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'type=image', '--filter', 'event=load', '--format', '{{.ID}}']).split('\n').filter(Boolean).length;

  it('loads our image into the daemon under its own id, untagged, and only once', async () => {
    const id = f.t.engine.images.resolve(bootImage).id;
    const since = Math.floor(Date.now() / 1000) - 1;
    await f.driver.spawn(spawnRequest('i-1'));
    assert.ok(daemonImages().includes(id), `the daemon has ${id}: ${daemonImages().join(', ')}`);
    assert.equal(f.dockerd.docker(['image', 'inspect', '-f', '{{len .RepoTags}}', id]).trim(), '0', 'no name was given to it');
    assert.equal(f.dockerd.docker(['inspect', '-f', '{{.Image}}', 'instance-i-1']).trim(), id, 'the container runs that very image');
    await f.driver.spawn(spawnRequest('i-2'));
    assert.equal(loadEvents(since), 1, 'a second instance of the image loads nothing');
  });

  it('refuses bad requests before anything reaches the daemon', async () => {
    const before = daemonImages();
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { image: 'no/such:image' })), NotFoundError);
    await assert.rejects(f.driver.spawn(spawnRequest('bad id!')), InvalidArgumentError);
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { resources: { vcpus: 0, memoryMb: 64, diskGb: 0 } })), /vcpus must be a positive number/);
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { resources: { vcpus: 1, memoryMb: 2, diskGb: 0 } })), InvalidArgumentError);
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { files: [{ path: 'etc/relative', contents: Buffer.from('x') }] })), /must be absolute/);
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { files: [{ path: '/etc/../../host', contents: Buffer.from('x') }] })), /contains '\.\.'/);
    await assert.rejects(f.driver.spawn(spawnRequest('i-x', { init: 'system' })), /system-container mode .* not available on a Docker compute host/);
    assert.deepEqual(containers(), []);
    assert.deepEqual(daemonImages(), before, 'no image was loaded for a refused request');
  });

  it('removes the container again when the daemon refuses an injected file', async () => {
    // /bin/busybox is a file: nothing can be written below it.
    await assert.rejects(f.driver.spawn(spawnRequest('i-file', { files: [{ path: '/bin/busybox/x', contents: Buffer.from('x') }] })), (err: Error) =>
      err instanceof InvalidArgumentError && /injected file cannot be written in the image: open \/bin\/busybox\/x: not a directory/.test(err.message));
    assert.deepEqual(containers(), []);
    assert.deepEqual(await f.driver.listInstances(), []);
  });

  it('never writes through an image symlink onto the host', async () => {
    // /escape is a symlink to a host directory; the daemon resolves it inside the image, where it leads nowhere.
    await assert.rejects(f.driver.spawn(spawnRequest('i-esc', { files: [{ path: '/escape/evil', contents: Buffer.from('pwned') }] })), InvalidArgumentError);
    assert.deepEqual(fs.readdirSync(f.images.hostTarget), [], 'nothing appeared in the host directory the symlink names');
    assert.deepEqual(containers(), []);
  });

  it('leaves a same-named container it did not create alone', async () => {
    const id = f.t.engine.images.resolve(bootImage).id;
    await f.driver.spawn(spawnRequest('loader'));
    await f.driver.destroy('loader');
    f.dockerd.docker(['create', '--name', 'instance-taken', '--network', 'none', id]);
    await assert.rejects(f.driver.spawn(spawnRequest('taken')), FailedPreconditionError);
    await assert.rejects(f.driver.getInfo('taken'), NotFoundError);
    await f.driver.destroy('taken');
    assert.deepEqual(containers(), ['instance-taken'], 'the foreign container is untouched');
  });

  it('maps the daemon\'s state refusals to the engine\'s categories', async () => {
    await assert.rejects(f.driver.powerOff('nobody'), NotFoundError);
    await f.driver.spawn(spawnRequest('i-off'));
    await f.driver.powerOff('i-off', 5);
    await assert.rejects(f.driver.pause('i-off'), FailedPreconditionError);
    await f.driver.powerOff('i-off', 5);
    assert.equal((await f.driver.getInfo('i-off')).powerState, PowerState.SHUTDOWN, 'a second stop is not an error');
  });

  it('refuses an unknown network, leaves no docker network after a failed spawn, and gives the asked address and MAC', async () => {
    await assert.rejects(f.driver.spawn(spawnRequest('i-net', { networks: [{ network: 'no-such-network' }] })), (err: Error) =>
      err instanceof InvalidArgumentError && /not a network of this cloud/.test(err.message));
    assert.deepEqual(dockerNetworks(), []);
    const service = new NetworkService(f.t.engine.db, f.t.engine.config.dataDir);
    const net = await service.create('refusal-net', { subnet: '10.232.77.0/24' });
    try {
      for (const address of ['10.232.77.300', '10.232.78.9']) {
        await assert.rejects(f.driver.spawn(spawnRequest('i-net', { networks: [{ network: net.id, address }] })), (err: Error) =>
          err instanceof InvalidArgumentError && /is not an IPv4 address of network 'refusal-net' \(10\.232\.77\.0\/24\)/.test(err.message));
      }
      assert.deepEqual(dockerNetworks(), [], 'nothing reached the daemon');
      // The daemon refuses the injected file after the docker network was made for this instance: it goes again.
      await assert.rejects(f.driver.spawn(spawnRequest('i-net', { networks: [{ network: net.id, address: '10.232.77.9' }], files: [{ path: '/bin/busybox/x', contents: Buffer.from('x') }] })), InvalidArgumentError);
      assert.deepEqual(dockerNetworks(), []);
      assert.deepEqual(containers(), []);
      const info = await f.driver.spawn(spawnRequest('i-net', { networks: [{ network: net.id, address: '10.232.77.9', mac: 'fa:16:3e:00:00:09' }] }));
      assert.deepEqual(info.addresses, { 'refusal-net': [{ address: '10.232.77.9', mac: 'fa:16:3e:00:00:09' }] });
      assert.equal(info.remoteNetwork, true, 'the driver says its networks are not this machine\'s');
      assert.deepEqual(dockerNetworks(), ['intermodal-refusal-net']);
      await f.driver.destroy('i-net');
      assert.deepEqual(dockerNetworks(), [], 'the network went with its last instance');
    } finally {
      await service.remove(net.id);
    }
  });

  it('makes a network again when its last instance took it away between making it and the create', async () => {
    const service = new NetworkService(f.t.engine.db, f.t.engine.config.dataDir);
    const net = await service.create('race-net', { subnet: '10.232.78.0/24' });
    // The race cannot be timed for real: the daemon's network is removed (for real) just before the create.
    const json = f.driver.api.json.bind(f.driver.api);
    let removed = false;
    const stub = sinon.stub(f.driver.api, 'json').callsFake(async (method: string, p: string, options?: Parameters<typeof json>[2]) => {
      if (!removed && method === 'POST' && p === '/containers/create') {
        removed = true;
        f.dockerd.docker(['network', 'rm', 'intermodal-race-net']);
      }
      return json(method, p, options);
    });
    try {
      const info = await f.driver.spawn(spawnRequest('i-race', { networks: [{ network: net.id, address: '10.232.78.5' }] }));
      assert.ok(removed, 'the network was taken away before the create');
      assert.equal(info.powerState, PowerState.RUNNING);
      assert.equal(info.addresses['race-net']?.[0]?.address, '10.232.78.5');
      await f.driver.destroy('i-race');
      assert.deepEqual(dockerNetworks(), []);
    } finally {
      stub.restore();
      await service.remove(net.id);
    }
  });
});
