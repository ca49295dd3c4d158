/**
 * Neutron networks on a Docker compute host, through the real `openstack` CLI: a server
 * booted with `--network` on the docker host reports the address its container really has
 * there (the port's fixed IP on a docker network mirroring the Neutron subnet); another
 * container on that docker network reaches it at that address, two servers of the network
 * reach each other (by address and by name), a server of another network does not; what
 * this machine cannot enforce there (floating IPs, security group changes) is refused with
 * the reason; deleting the servers removes the docker networks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from '../../api/network/network-image.js';

type Json = Record<string, any>;

describe('docker compute host: servers on Neutron networks (openstack CLI, private dockerd)', function () {
  this.timeout(300_000);
  let work: string;
  let dockerd: PrivateDockerd | undefined;
  let cloud: TestCloud | undefined;
  const servers: Record<string, Json> = {};
  const networks: Record<string, string> = {};

  before(async function () {
    work = makeTempDir('docker-networking');
    const started = await startDockerd(path.join(work, 'dockerd'));
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    const socket = path.join(work, 'dockerd', 'docker.sock');
    cloud = await startTestCloud('docker-networking', {
      beforeStart: (dataDir) => fs.writeFileSync(path.join(dataDir, 'compute-hosts.yaml'), `compute_hosts:\n  - name: docker-1\n    driver: docker\n    endpoint: unix://${socket}\n`),
    });
    await cloud.openstack(['image', 'create', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb']);
    for (const [name, cidr] of [['dnet1', '10.232.41.0/24'], ['dnet2', '10.232.42.0/24']] as const) {
      networks[name] = (JSON.parse(await cloud.openstack(['network', 'create', name, '-f', 'json'])) as Json).id;
      await cloud.openstack(['subnet', 'create', '--network', name, '--subnet-range', cidr, `${name}-sub`]);
    }
  });
  after(async () => {
    if (dockerd) {
      const left = dockerd.docker(['ps', '-aq']).split('\n').filter(Boolean);
      if (left.length > 0) dockerd.docker(['rm', '-f', ...left]);
    }
    await cloud?.stop();
    await dockerd?.stop();
    if (work) removeTempDir(work);
  });

  /** Runs the docker client; the exit code (0 when it succeeded) instead of a throw. */
  const dockerStatus = (args: string[]): number => {
    try {
      dockerd!.docker(args);
      return 0;
    } catch (err) {
      return (err as { status?: number }).status ?? 1;
    }
  };
  const dockerNetworks = (): string[] => dockerd!.docker(['network', 'ls', '--format', '{{.Name}}']).split('\n').filter((n) => n.startsWith('intermodal-'));
  const addressOf = (server: Json, network: string): string => {
    const entries = (server.addresses as Record<string, string[]>)[network];
    assert.ok(entries && entries.length === 1, `one address on ${network}: ${JSON.stringify(server.addresses)}`);
    return entries[0]!;
  };

  it('gives a server on the docker host the address its container really has on the network', async () => {
    const c = cloud!;
    for (const [name, network] of [['d1', 'dnet1'], ['d2', 'dnet1'], ['e1', 'dnet2']] as const) {
      const created = JSON.parse(await c.openstack(['server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', '--network', network, '--wait', name, '-f', 'json'])) as Json;
      assert.equal(created.status, 'ACTIVE');
      servers[name] = JSON.parse(await c.openstack(['server', 'show', name, '-f', 'json'])) as Json;
    }
    const d1 = addressOf(servers['d1']!, 'dnet1');
    assert.match(d1, /^10\.232\.41\.\d+$/);
    const inspected = JSON.parse(dockerd!.docker(['inspect', `instance-${servers['d1']!.id}`]))[0] as Json;
    const onHost = inspected.NetworkSettings.Networks as Record<string, { IPAddress: string; MacAddress: string }>;
    assert.deepEqual(Object.keys(onHost), [`intermodal-os-${networks['dnet1']}`], 'the container is on the docker network mirroring dnet1 only');
    const endpoint = onHost[`intermodal-os-${networks['dnet1']}`]!;
    assert.equal(endpoint.IPAddress, d1, 'the API reports the address the container has');
    const port = (JSON.parse(await c.openstack(['port', 'list', '--server', 'd1', '-f', 'json'])) as Json[])[0]!;
    assert.equal(endpoint.MacAddress, port['MAC Address'], 'the interface has the Neutron port\'s MAC');
    assert.match(JSON.stringify(port['Fixed IP Addresses']), new RegExp(d1.replace(/\./g, '\\.')), 'the port\'s fixed IP is that address');
    const subnet = JSON.parse(dockerd!.docker(['network', 'inspect', `intermodal-os-${networks['dnet1']}`]))[0].IPAM.Config[0].Subnet;
    assert.equal(subnet, '10.232.41.0/24', 'the docker network has the Neutron subnet');

    // Two networks: eth0 and eth1 on the host, each with its port's address.
    await c.openstack(['server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', '--network', 'dnet1', '--network', 'dnet2', '--wait', 'm1']);
    servers['m1'] = JSON.parse(await c.openstack(['server', 'show', 'm1', '-f', 'json'])) as Json;
    const both = (JSON.parse(dockerd!.docker(['inspect', `instance-${servers['m1']!.id}`]))[0] as Json).NetworkSettings.Networks as Record<string, { IPAddress: string }>;
    assert.equal(both[`intermodal-os-${networks['dnet1']}`]?.IPAddress, addressOf(servers['m1']!, 'dnet1'));
    assert.equal(both[`intermodal-os-${networks['dnet2']}`]?.IPAddress, addressOf(servers['m1']!, 'dnet2'));
  });

  it('is reached at that address by another container on the docker network, and by a server of its network but not of another', () => {
    const d1 = addressOf(servers['d1']!, 'dnet1');
    const image = (JSON.parse(dockerd!.docker(['inspect', `instance-${servers['d1']!.id}`]))[0] as Json).Image as string;
    assert.equal(dockerStatus(['run', '--rm', '--network', `intermodal-os-${networks['dnet1']}`, image, 'ping', '-c', '1', '-W', '3', d1]), 0, 'a container on the docker network pings d1');
    assert.equal(dockerStatus(['exec', `instance-${servers['d2']!.id}`, 'ping', '-c', '1', '-W', '3', d1]), 0, 'd2 pings d1 by address');
    assert.equal(dockerStatus(['exec', `instance-${servers['d2']!.id}`, 'ping', '-c', '1', '-W', '3', 'd1']), 0, 'd2 pings d1 by name');
    assert.equal(dockerStatus(['exec', `instance-${servers['d1']!.id}`, 'ping', '-c', '1', '-W', '3', addressOf(servers['d2']!, 'dnet1')]), 0, 'and d1 reaches d2');
    assert.notEqual(dockerStatus(['exec', `instance-${servers['e1']!.id}`, 'ping', '-c', '1', '-W', '2', d1]), 0, 'a server of dnet2 does not reach dnet1');
    assert.equal(dockerStatus(['exec', `instance-${servers['m1']!.id}`, 'ping', '-c', '1', '-W', '3', d1]), 0, 'a server on both networks reaches dnet1');
    assert.equal(dockerStatus(['exec', `instance-${servers['m1']!.id}`, 'ping', '-c', '1', '-W', '3', addressOf(servers['e1']!, 'dnet2')]), 0, 'and dnet2');
  });

  it('refuses a floating IP or a security group change for a server on the docker host, with the reason, and changes nothing', async () => {
    const c = cloud!;
    await c.openstack(['network', 'create', '--external', 'public']);
    await c.openstack(['subnet', 'create', '--network', 'public', '--subnet-range', '127.0.101.0/24', '--no-dhcp', 'public-sub']);
    const fip = (JSON.parse(await c.openstack(['floating', 'ip', 'create', 'public', '-f', 'json'])) as Json).floating_ip_address as string;
    await assert.rejects(c.openstack(['server', 'add', 'floating', 'ip', 'd1', fip]), /cannot reach server .* runs on a Docker compute host/);
    assert.equal((JSON.parse(await c.openstack(['floating', 'ip', 'show', fip, '-f', 'json'])) as Json).port_id, null, 'the floating IP stays unassociated');
    await c.openstack(['security', 'group', 'create', 'web']);
    const port = (JSON.parse(await c.openstack(['port', 'list', '--server', 'd1', '-f', 'json'])) as Json[])[0]!;
    await assert.rejects(c.openstack(['port', 'set', '--security-group', 'web', port.ID]), /Security groups cannot reach server .* Docker compute host/);
    const groups = (JSON.parse(await c.openstack(['port', 'show', port.ID, '-f', 'json'])) as Json).security_group_ids as string[];
    assert.equal(groups.length, 1, 'the port keeps its one (default) group');
    await c.openstack(['floating', 'ip', 'delete', fip]);
  });

  it('removes the docker networks with their last server', async () => {
    assert.deepEqual(dockerNetworks().sort(), [`intermodal-os-${networks['dnet1']}`, `intermodal-os-${networks['dnet2']}`].sort());
    await cloud!.openstack(['server', 'delete', '--wait', 'd1', 'm1']);
    assert.equal(dockerNetworks().length, 2, 'dnet1 stays while d2 is on it');
    await cloud!.openstack(['server', 'delete', '--wait', 'd2', 'e1']);
    assert.deepEqual(dockerNetworks(), []);
    assert.deepEqual(dockerd!.docker(['ps', '-aq']).split('\n').filter(Boolean), []);
  });
});
