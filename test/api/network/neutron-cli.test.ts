/**
 * Neutron with the real `openstack` CLI over a real `intermodal serve`: networks, subnets,
 * servers on them reaching each other by address and name, isolation between networks,
 * security group rules opened and closed live, a floating IP reachable from the host's
 * loopback, the metadata service, the default network made on first use, `quota show`, and nothing left on the
 * host once servers and networks are deleted.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hostNames } from '../../../engine/network/host-names.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from './network-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('neutron with the real openstack CLI', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  const ids: Record<string, string> = {};

  const os = (...args: string[]) => cloud.openstack(args);
  const boot = async (name: string, ...args: string[]) => {
    const s = json<{ id: string; status: string }>(await os('server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', ...args, '--wait', name, '-f', 'json'));
    assert.equal(s.status, 'ACTIVE');
    ids[name] = s.id;
    return s.id;
  };
  const exec = (server: string, ...cmd: string[]) => runCli(cloud.dataDir, ['exec', `instance-${ids[server]}`, ...cmd]);
  const addressOf = async (server: string, network: string) => {
    const shown = json<{ addresses: Record<string, string[]> | string }>(await os('server', 'show', server, '-f', 'json'));
    const addresses = typeof shown.addresses === 'string' ? parseAddresses(shown.addresses) : shown.addresses;
    return addresses[network]![0]!;
  };
  // busybox-static's wget crashes (glibc's static resolver); nc speaks the HTTP request instead.
  const canFetch = async (from: string, address: string) => (await exec(from, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} 80`)).stdout.includes('hello-from-web');

  const waitForStatus = async (server: string, status: string) => {
    for (let i = 0; i < 60; i++) {
      if (json<{ status: string }>(await os('server', 'show', server, '-f', 'json')).status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.fail(`${server} did not reach ${status}`);
  };

  before(async () => {
    cloud = await startTestCloud('neutron-cli');
    work = makeTempDir('neutron-cli-work');
    await os('image', 'create', '--public', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('creates, lists, shows and deletes networks and subnets', async () => {
    const net = json<{ id: string; name: string; status: string }>(await os('network', 'create', 'scratch', '-f', 'json'));
    assert.equal(net.status, 'ACTIVE');
    const subnet = json<{ cidr: string; gateway_ip: string; network_id: string }>(await os('subnet', 'create', '--network', 'scratch', '--subnet-range', '10.231.7.0/24', 'scratch-sub', '-f', 'json'));
    assert.deepEqual([subnet.cidr, subnet.gateway_ip, subnet.network_id], ['10.231.7.0/24', '10.231.7.1', net.id]);
    const listed = json<Array<{ Name: string; Subnets: string[] | string }>>(await os('network', 'list', '-f', 'json'));
    assert.ok(listed.some((n) => n.Name === 'scratch'));
    const shown = json<{ id: string; subnets: string[] | string }>(await os('network', 'show', 'scratch', '-f', 'json'));
    assert.equal(shown.id, net.id);
    await assert.rejects(os('subnet', 'create', '--network', 'scratch', '--subnet-range', '10.231.7.0/33', 'bad'), /cidr|subnet/i);
    await os('network', 'delete', 'scratch');
    await assert.rejects(os('network', 'show', 'scratch'), /No Network found|not found/i);
  });

  it('boots servers on a network that reach each other by address and by name; another network is isolated', async () => {
    await os('network', 'create', 'net1');
    await os('subnet', 'create', '--network', 'net1', '--subnet-range', '10.231.1.0/24', 'sub1');
    await os('network', 'create', 'net2');
    await os('subnet', 'create', '--network', 'net2', '--subnet-range', '10.231.2.0/24', 'sub2');
    await boot('a1', '--network', 'net1');
    await boot('a2', '--network', 'net1');
    await boot('b1', '--network', 'net2');
    const list = json<Array<{ Name: string; Networks: Record<string, string[]> | string }>>(await os('server', 'list', '-f', 'json'));
    const a2 = await addressOf('a2', 'net1');
    assert.match(a2, /^10\.231\.1\.\d+$/);
    assert.ok(JSON.stringify(list).includes(a2), 'server list shows the address');
    const port = json<Array<{ 'MAC Address': string; 'Fixed IP Addresses': unknown }>>(await os('port', 'list', '--server', 'a2', '-f', 'json'));
    assert.equal(port.length, 1);
    assert.match(port[0]!['MAC Address'], /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.ok(JSON.stringify(port[0]!['Fixed IP Addresses']).includes(a2));

    assert.equal((await exec('a1', 'ping', '-c', '1', '-W', '3', a2)).code, 0, 'a1 pings a2 by address');
    assert.equal((await exec('a1', 'ping', '-c', '1', '-W', '3', 'a2')).code, 0, 'a1 pings a2 by name');
    const b1 = await addressOf('b1', 'net2');
    assert.notEqual((await exec('a1', 'ping', '-c', '1', '-W', '2', b1)).code, 0, 'net1 cannot reach net2');
    assert.notEqual((await exec('b1', 'ping', '-c', '1', '-W', '2', a2)).code, 0, 'net2 cannot reach net1');
  });

  it('answers the metadata service at 169.254.169.254 for the asking server only', async () => {
    const get = async (from: string, urlPath: string) => (await exec(from, 'sh', '-c', `printf 'GET ${urlPath} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 169.254.169.254 80`)).stdout;
    const a1 = await get('a1', '/openstack/latest/meta_data.json');
    assert.ok(a1.includes(`"uuid":"${ids.a1}"`), a1);
    assert.ok(!a1.includes(ids.a2!));
    const a2 = await get('a2', '/openstack/latest/meta_data.json');
    assert.ok(a2.includes(`"uuid":"${ids.a2}"`), a2);
    assert.ok((await get('b1', '/latest/meta-data/instance-id')).includes(ids.b1!));
    assert.ok((await get('b1', '/latest/meta-data/local-ipv4')).includes(await addressOf('b1', 'net2')));
  });

  it('opens and closes a TCP port live with a security group rule', async () => {
    const group = json<{ id: string }>(await os('security', 'group', 'create', 'web', '-f', 'json'));
    const userData = path.join(work, 'web.sh');
    fs.writeFileSync(userData, '#!/bin/sh\nmkdir -p /www && echo hello-from-web > /www/index.html && httpd -p 80 -h /www\n');
    await boot('web', '--network', 'net1', '--security-group', 'web', '--user-data', userData);
    const web = await addressOf('web', 'net1');
    assert.equal(await canFetch('a1', web), false, 'closed before any rule');
    assert.notEqual((await exec('a1', 'ping', '-c', '1', '-W', '2', web)).code, 0, 'no ICMP into a group without a rule for it');
    assert.equal((await exec('web', 'ping', '-c', '1', '-W', '3', '10.231.1.1')).code, 0, 'egress is open, and the reply comes back');
    assert.notEqual((await exec('web', 'ping', '-c', '1', '-W', '2', await addressOf('a2', 'net1'))).code, 0, 'default admits only its own members');
    const rule = json<{ id: string }>(await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', 'web', '-f', 'json'));
    assert.equal(await canFetch('a1', web), true, 'open once the rule exists');
    await os('security', 'group', 'rule', 'delete', rule.id);
    assert.equal(await canFetch('a1', web), false, 'closed again once the rule is deleted');
    // A stop and start makes the instance's namespace anew: the groups are applied to it again.
    await os('server', 'stop', 'web');
    await waitForStatus('web', 'SHUTOFF');
    await os('server', 'start', 'web');
    await waitForStatus('web', 'ACTIVE');
    assert.equal(await canFetch('web', '127.0.0.1'), true, 'the boot script started httpd again');
    assert.equal(await canFetch('a1', await addressOf('web', 'net1')), false, 'still closed after a restart of the server');
    const rules = json<Array<{ 'IP Protocol': string | null }>>(await os('security', 'group', 'rule', 'list', group.id, '-f', 'json'));
    assert.ok(rules.every((r) => r['IP Protocol'] !== 'tcp'));
  });

  it('maps a floating IP from a loopback pool to a server, reachable from the host', async () => {
    await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', 'web');
    await os('network', 'create', '--external', 'public');
    await os('subnet', 'create', '--network', 'public', '--subnet-range', '127.0.100.0/24', 'public-sub');
    const fip = json<{ floating_ip_address: string }>(await os('floating', 'ip', 'create', 'public', '-f', 'json'));
    assert.match(fip.floating_ip_address, /^127\.0\.100\.\d+$/);
    await os('server', 'add', 'floating', 'ip', 'web', fip.floating_ip_address);
    assert.ok(JSON.stringify(json(await os('server', 'show', 'web', '-f', 'json'))).includes(fip.floating_ip_address), 'server show lists the floating IP');
    const answer = await (await fetch(`http://${fip.floating_ip_address}/`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(answer, /hello-from-web/);
    await os('server', 'remove', 'floating', 'ip', 'web', fip.floating_ip_address);
    await assert.rejects(fetch(`http://${fip.floating_ip_address}/`, { signal: AbortSignal.timeout(2000) }));
    await os('floating', 'ip', 'delete', fip.floating_ip_address);
  });

  it('boots a server with no network on the project default network, applies its #cloud-config, and shows quotas', async () => {
    const cloudConfig = path.join(work, 'cloud.yaml');
    fs.writeFileSync(cloudConfig, [
      '#cloud-config', 'ssh_authorized_keys:', '  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTheTest test@intermodal',
      'write_files:', '  - path: /etc/greeting', '    content: written-by-cloud-config', '    permissions: "0640"',
      'runcmd:', '  - echo ran-by-cloud-config > /tmp/runcmd-done', '',
    ].join('\n'));
    await boot('auto1', '--user-data', cloudConfig);
    // The boot script runs as the instance's first process, so it may still be running at ACTIVE: its last step is waited for.
    let ran = '';
    for (let i = 0; i < 40 && ran === ''; i++) {
      ran = (await exec('auto1', 'cat', '/tmp/runcmd-done')).stdout.trim();
      if (ran === '') await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(ran, 'ran-by-cloud-config');
    assert.equal((await exec('auto1', 'cat', '/etc/greeting')).stdout.trim(), 'written-by-cloud-config');
    assert.match((await exec('auto1', 'cat', '/root/.ssh/authorized_keys')).stdout, /ExampleKeyForTheTest/);
    const userData = (await exec('auto1', 'sh', '-c', `printf 'GET /openstack/latest/user_data HTTP/1.0\\r\\n\\r\\n' | nc -w 3 169.254.169.254 80`)).stdout;
    assert.match(userData, /#cloud-config/, 'the metadata service serves the user data as given');
    const address = await addressOf('auto1', 'auto_allocated_network');
    assert.match(address, /^\d+\.\d+\.\d+\.\d+$/);
    const quota = json<Array<{ Resource: string; Limit: number }> | Record<string, number>>(await os('quota', 'show', '-f', 'json'));
    const text = JSON.stringify(quota);
    assert.match(text, /instances/);
    assert.match(text, /(networks|network)/);
  });

  it('boots a server on a port made beforehand, and hides a project\'s networks from another project', async () => {
    const port = json<{ id: string; mac_address: string }>(await os('port', 'create', '--network', 'net1', 'p1', '-f', 'json'));
    await boot('onport', '--nic', `port-id=${port.id}`);
    const shown = json<{ device_id: string; fixed_ips: unknown; status: string }>(await os('port', 'show', port.id, '-f', 'json'));
    assert.equal(shown.device_id, ids.onport);
    assert.equal(shown.status, 'ACTIVE');
    const address = await addressOf('onport', 'net1');
    assert.ok(JSON.stringify(shown.fixed_ips).includes(address));
    assert.equal((await exec('a1', 'ping', '-c', '1', '-W', '3', address)).code, 0);
    await assert.rejects(os('port', 'delete', port.id), /in use/);

    await os('project', 'create', 'other');
    await os('user', 'create', '--password', 'other-pw', '--project', 'other', 'other-user');
    await os('role', 'add', '--user', 'other-user', '--project', 'other', 'member');
    const other = { username: 'other-user', password: 'other-pw', project: 'other' };
    const visible = json<Array<{ Name: string }>>(await cloud.openstack(['network', 'list', '-f', 'json'], other));
    assert.ok(!visible.some((n) => n.Name === 'net1'), 'another project does not list net1');
    const net1 = json<{ id: string }>(await os('network', 'show', 'net1', '-f', 'json'));
    await assert.rejects(cloud.openstack(['network', 'show', net1.id], other), /No Network found|not found/i);
    await assert.rejects(cloud.openstack(['server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', '--nic', `net-id=${net1.id}`, 'intruder'], other), /No Network found/i);
    // Straight to Nova, past the client's own lookup: refused, and nothing is created.
    const token = await cloud.token(other.username, other.password, other.project);
    const image = json<{ id: string }>(await os('image', 'show', 'netbb', '-f', 'json'));
    const refused = await cloud.request('POST', '/compute/v2.1/servers', { token, body: { server: { name: 'intruder', imageRef: image.id, flavorRef: '1', networks: [{ uuid: net1.id }] } } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.badRequest.message, /could not be found/);
    assert.deepEqual(json<unknown[]>(await cloud.openstack(['server', 'list', '-f', 'json'], other)), []);
    await os('server', 'delete', '--wait', 'onport');
    delete ids.onport;
    const freed = json<{ device_id: string; status: string }>(await os('port', 'show', port.id, '-f', 'json'));
    assert.deepEqual([freed.device_id, freed.status], ['', 'DOWN'], 'the port outlives its server, unbound');
    await os('port', 'delete', port.id);
  });

  it('keeps floating IPs, security groups and the metadata service across an API restart', async () => {
    const fip = json<{ floating_ip_address: string }>(await os('floating', 'ip', 'create', 'public', '-f', 'json'));
    await os('server', 'add', 'floating', 'ip', 'web', fip.floating_ip_address);
    await cloud.restart();
    const answer = await (await fetch(`http://${fip.floating_ip_address}/`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(answer, /hello-from-web/);
    const meta = (await exec('a1', 'sh', '-c', `printf 'GET /openstack/latest/meta_data.json HTTP/1.0\\r\\n\\r\\n' | nc -w 3 169.254.169.254 80`)).stdout;
    assert.ok(meta.includes(`"uuid":"${ids.a1}"`), meta);
    assert.notEqual((await exec('b1', 'ping', '-c', '1', '-W', '2', await addressOf('a1', 'net1'))).code, 0, 'networks still isolated');
    await os('floating', 'ip', 'delete', fip.floating_ip_address);
    await assert.rejects(fetch(`http://${fip.floating_ip_address}/`, { signal: AbortSignal.timeout(2000) }));
  });

  it('leaves no interface, namespace or rule behind once servers and networks are deleted', async () => {
    await os('server', 'delete', '--wait', ...Object.keys(ids));
    for (const name of ['net1', 'net2', 'public', 'auto_allocated_network']) await os('network', 'delete', name);
    const names = hostNames(cloud.dataDir);
    const links = (JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as { ifname: string }[]).map((l) => l.ifname).filter((n) => names.linkPattern.test(n));
    assert.deepEqual(links, []);
    const namespaces = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => names.namespacePattern.test(n)) : [];
    assert.deepEqual(namespaces, []);
    const tables = execFileSync('nft', ['list', 'tables']).toString();
    assert.doesNotMatch(tables, new RegExp(`\\b${names.table}(_fip)?\\b`));
  });
});

/** `net1=10.0.0.2, 10.0.0.3; net2=...` as OSC prints addresses in some versions. */
function parseAddresses(text: string): Record<string, string[]> {
  return Object.fromEntries(text.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [net, list] = part.split('=');
    return [net!.trim(), list!.split(',').map((a) => a.trim())];
  }));
}
