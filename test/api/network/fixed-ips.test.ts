/**
 * Fixed IPs chosen by the user, with the real `openstack` CLI: a port made with
 * `--fixed-ip` and a server booted on it, and `--nic net-id=...,v4-fixed-ip=...`; the
 * server shows the address and really has it inside. Addresses outside the subnet, the
 * gateway, the broadcast and addresses in use are refused with Neutron's typed faults (and
 * Nova's for a server), a port bound to another server with Nova's 409, and nothing is made.
 * A server given the address of one just deleted is reached at once (neighbour caches).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from './network-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;

/** Tries a TCP connection from the host and lets it go after a second, answered or not: the host resolves the address's MAC on the way. */
const touch = (address: string, port: number) => new Promise<void>((resolve) => {
  const socket = net.connect(port, address);
  const done = () => { socket.destroy(); resolve(); };
  socket.once('connect', done).once('error', done).setTimeout(1000, done);
});

describe('fixed IPs chosen by the user', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  let token: string;
  let networkId: string;
  let subnetId: string;
  const ids: Record<string, string> = {};

  const os = (...args: string[]) => cloud.openstack(args);
  const boot = async (name: string, ...args: string[]) => {
    const s = json<{ id: string; status: string }>(await os('server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', ...args, '--wait', name, '-f', 'json'));
    assert.equal(s.status, 'ACTIVE');
    ids[name] = s.id;
    return s.id;
  };
  const exec = (server: string, ...cmd: string[]) => runCli(cloud.dataDir, ['exec', `instance-${ids[server]}`, ...cmd]);
  const shownAddresses = async (server: string) => JSON.stringify(json<{ addresses: unknown }>(await os('server', 'show', server, '-f', 'json')).addresses);
  const waitForStatus = async (server: string, status: string) => {
    for (let i = 0; i < 60; i++) {
      if (json<{ status: string }>(await os('server', 'show', server, '-f', 'json')).status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.fail(`${server} did not reach ${status}`);
  };
  const portCount = async () => json<unknown[]>(await os('port', 'list', '-f', 'json')).length;
  const serverNames = async () => json<Array<{ Name: string }>>(await os('server', 'list', '-f', 'json')).map((s) => s.Name).sort();
  /** A port create straight to Neutron: its status and fault type. */
  const createPort = async (address: string) => {
    const res = await cloud.request('POST', '/network/v2.0/ports', { token, body: { port: { network_id: networkId, fixed_ips: [{ subnet_id: subnetId, ip_address: address }] } } });
    return { status: res.status, type: res.body?.NeutronError?.type as string | undefined, port: res.body?.port as { id: string } | undefined };
  };

  before(async () => {
    cloud = await startTestCloud('fixed-ips');
    work = makeTempDir('fixed-ips-work');
    token = await cloud.token('admin', cloud.adminPassword, 'admin');
    await os('image', 'create', '--public', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb');
    networkId = json<{ id: string }>(await os('network', 'create', 'fix', '-f', 'json')).id;
    subnetId = json<{ id: string }>(await os('subnet', 'create', '--network', 'fix', '--subnet-range', '10.231.42.0/24', 'fix-sub', '-f', 'json')).id;
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('boots a server on a port made with --fixed-ip, and one with --nic v4-fixed-ip; each really has its address', async () => {
    const port = json<{ id: string; fixed_ips: unknown; status: string }>(await os('port', 'create', '--network', 'fix', '--fixed-ip', 'subnet=fix-sub,ip-address=10.231.42.50', 'p50', '-f', 'json'));
    assert.match(JSON.stringify(port.fixed_ips), /10\.231\.42\.50/, 'the port has its address from its creation on');
    assert.equal(port.status, 'DOWN');
    await boot('s50', '--port', 'p50');
    assert.match(await shownAddresses('s50'), /"?fix"?[=:].*10\.231\.42\.50/);
    assert.match((await exec('s50', 'ip', '-4', 'addr', 'show', 'eth0')).stdout, /inet 10\.231\.42\.50\/24/);

    await boot('s60', '--nic', `net-id=${networkId},v4-fixed-ip=10.231.42.60`);
    assert.match(await shownAddresses('s60'), /10\.231\.42\.60/);
    assert.match((await exec('s60', 'ip', '-4', 'addr', 'show', 'eth0')).stdout, /inet 10\.231\.42\.60\/24/);
    assert.equal((await exec('s60', 'ping', '-c', '1', '-W', '3', '10.231.42.50')).code, 0, 'the two reach each other at the chosen addresses');

    await os('server', 'stop', 's50');
    await waitForStatus('s50', 'SHUTOFF');
    await os('server', 'start', 's50');
    await waitForStatus('s50', 'ACTIVE');
    assert.match((await exec('s50', 'ip', '-4', 'addr', 'show', 'eth0')).stdout, /inet 10\.231\.42\.50\/24/, 'the address survives a stop and start');
  });

  it('a server on the address of one just deleted is reached at once: the host and the other servers learn its new MAC', async () => {
    const macOf = async (server: string) => json<Array<{ 'MAC Address': string }>>(await os('port', 'list', '--server', server, '-f', 'json'))[0]!['MAC Address'];
    const neighbour = (text: string) => /lladdr ([0-9a-f:]{17})/.exec(text)?.[1];
    const hostNeighbour = () => neighbour(execFileSync('ip', ['neigh', 'show', '10.231.42.70'], { encoding: 'utf8' }));
    await boot('old70', '--nic', `net-id=${networkId},v4-fixed-ip=10.231.42.70`);
    const oldMac = await macOf('old70');
    // Both caches learn the old MAC: s60 talks to it, and the host resolves it (its connection itself is filtered).
    assert.equal((await exec('s60', 'ping', '-c', '1', '-W', '3', '10.231.42.70')).code, 0);
    await touch('10.231.42.70', 80);
    assert.equal(hostNeighbour(), oldMac);
    await os('server', 'delete', '--wait', 'old70');
    await boot('new70', '--nic', `net-id=${networkId},v4-fixed-ip=10.231.42.70`);
    const newMac = await macOf('new70');
    assert.notEqual(newMac, oldMac, 'Neutron gives each port its own MAC');
    assert.equal(hostNeighbour(), newMac, 'the host\'s cache has the new MAC');
    assert.equal(neighbour((await exec('s60', 'ip', 'neigh', 'show', '10.231.42.70')).stdout), newMac, 'so has the other server\'s');
    assert.equal((await exec('s60', 'ping', '-c', '1', '-W', '3', '10.231.42.70')).code, 0, 'and it reaches the new server');
    await os('server', 'delete', '--wait', 'new70');
  });

  it('refuses, with Neutron\'s fault types, ports outside the subnet, on the gateway, the broadcast or an address in use; nothing is made', async () => {
    const before = await portCount();
    assert.deepEqual(await createPort('10.231.42.60'), { status: 409, type: 'IpAddressAlreadyAllocated', port: undefined });
    assert.deepEqual(await createPort('10.231.42.1'), { status: 409, type: 'IpAddressAlreadyAllocated', port: undefined }, 'the gateway is the bridge\'s');
    assert.deepEqual(await createPort('10.231.99.5'), { status: 400, type: 'InvalidIpForSubnet', port: undefined });
    assert.deepEqual(await createPort('10.231.42.255'), { status: 400, type: 'InvalidIpForSubnet', port: undefined });
    await assert.rejects(os('port', 'create', '--network', 'fix', '--fixed-ip', 'subnet=fix-sub,ip-address=10.231.42.50', 'again'), /already allocated/);
    assert.equal(await portCount(), before);
  });

  it('refuses servers on an address in use or outside the subnet (400), and on a port bound to another server (409); nothing is made', async () => {
    const servers = await serverNames();
    const ports = await portCount();
    await assert.rejects(boot('dup', '--nic', `net-id=${networkId},v4-fixed-ip=10.231.42.50`), /already in use/);
    await assert.rejects(boot('outside', '--nic', `net-id=${networkId},v4-fixed-ip=10.231.99.5`), /not a valid IP/);
    await assert.rejects(boot('stolen', '--port', 'p50'), /still in use/);
    const image = json<{ id: string }>(await os('image', 'show', 'netbb', '-f', 'json'));
    const p50 = json<{ id: string }>(await os('port', 'show', 'p50', '-f', 'json'));
    const post = (networks: unknown) => cloud.request('POST', '/compute/v2.1/servers', { token, body: { server: { name: 'raw', imageRef: image.id, flavorRef: '1', networks } } });
    const inUse = await post([{ uuid: networkId, fixed_ip: '10.231.42.60' }]);
    assert.equal(inUse.status, 400);
    assert.match(inUse.body.badRequest.message, /Fixed IP address 10\.231\.42\.60 is already in use on instance/);
    const bound = await post([{ port: p50.id }]);
    assert.equal(bound.status, 409);
    assert.match(bound.body.conflictingRequest.message, /still in use/);
    assert.equal((await post([{ uuid: networkId, fixed_ip: 'not-an-ip' }])).status, 400);
    assert.deepEqual(await serverNames(), servers);
    assert.equal(await portCount(), ports);
  });

  it('keeps a given port\'s address after its server is deleted, and frees the address of a port Nova made', async () => {
    await os('server', 'delete', '--wait', 's50', 's60');
    const kept = json<{ fixed_ips: unknown; device_id: string }>(await os('port', 'show', 'p50', '-f', 'json'));
    assert.match(JSON.stringify(kept.fixed_ips), /10\.231\.42\.50/);
    assert.equal(kept.device_id, '');
    const again = await createPort('10.231.42.60');
    assert.equal(again.status, 201, 'the address of the deleted server\'s own port is free again');
    await os('port', 'delete', again.port!.id, 'p50');
    await os('network', 'delete', 'fix');
  });
});
