/**
 * Heat's OS::Neutron::* types with the real heat client: a stack makes its own network,
 * subnet, port, security group and floating IP; its servers reach each other on it, its
 * group's rule opens a port and a stack update that drops the rule closes it (in place),
 * the floating IP answers from the host's loopback; the objects are the ones
 * `openstack network/subnet/port/security group/floating ip list` show; delete --wait
 * leaves no object, bridge or nft table; bad input fails the stack naming the property;
 * templates/vps.yaml's firewall and floating IP.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { hostNames } from '../../../engine/network/host-names.js';
import { projectRoot } from '../../../engine/project-root.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from '../network/network-image.js';

const json = <T = any>(s: string): T => JSON.parse(s) as T;

// Ranges no other test uses, so parallel clouds on this host do not clash.
const cidr = '10.237.41.0/24';
const pool = '127.0.141.0/24';

const webScript = "#!/bin/sh\nmkdir -p /www && echo hello-from-stack > /www/index.html && httpd -p 80 -h /www\n";

/** The stack: `web` on a port with a chosen address in group `web_sg` (ICMP, and TCP 80 while `open`), `client` on the network, a floating IP on web's port. */
function appTemplate(open: boolean): string {
  return `heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: { name: stack-net }
  subnet:
    type: OS::Neutron::Subnet
    properties: { network: { get_resource: net }, cidr: ${cidr}, dns_nameservers: [8.8.8.8] }
  web_sg:
    type: OS::Neutron::SecurityGroup
    properties:
      name: stack-web
      rules:
        - { protocol: icmp }
${open ? '        - { protocol: tcp, port_range_min: 80, port_range_max: 80, remote_ip_prefix: 0.0.0.0/0 }\n' : ''}        - { protocol: tcp, port_range_min: 22, port_range_max: 22, remote_mode: remote_group_id }
  web_port:
    type: OS::Neutron::Port
    properties: { network: { get_resource: net }, fixed_ips: [{ subnet: { get_resource: subnet }, ip_address: 10.237.41.50 }], security_groups: [{ get_resource: web_sg }] }
  web:
    type: OS::Nova::Server
    properties:
      image: netbb
      flavor: m1.tiny
      networks: [{ port: { get_resource: web_port } }]
      user_data_format: RAW
      user_data: ${JSON.stringify(webScript)}
  client:
    type: OS::Nova::Server
    properties:
      image: netbb
      flavor: m1.tiny
      networks: [{ network: { get_resource: net } }]
      security_groups: [{ get_resource: web_sg }]
  fip:
    type: OS::Neutron::FloatingIP
    properties: { floating_network: public, port_id: { get_resource: web_port } }
outputs:
  fip_address: { value: { get_attr: [fip, floating_ip_address] } }
  fip_port: { value: { get_attr: [fip, port_id] } }
  web_address: { value: { get_attr: [web, first_address] } }
  client_address: { value: { get_attr: [client, first_address] } }
  client_port: { value: { get_attr: [client, addresses, stack-net, 0, port] } }
  subnet_cidr: { value: { get_attr: [subnet, cidr] } }
  subnet_gateway: { value: { get_attr: [subnet, gateway_ip] } }
  net_subnets: { value: { get_attr: [net, subnets] } }
  port_mac: { value: { get_attr: [web_port, mac_address] } }
  port_ips: { value: { get_attr: [web_port, fixed_ips] } }
  port_network: { value: { get_attr: [web_port, network_id] } }
`;
}

describe('Heat OS::Neutron::* types with the real heat client', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  const os = (...args: string[]) => cloud.openstack(args);
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const output = async (stack: string, key: string) => json(await os('stack', 'output', 'show', stack, key, '-f', 'json')).output_value;
  const resourceId = async (stack: string, name: string) => json(await os('stack', 'resource', 'show', stack, name, '-f', 'json')).physical_resource_id as string;
  const exec = (serverId: string, ...cmd: string[]) => runCli(cloud.dataDir, ['exec', `instance-${serverId}`, ...cmd]);
  // busybox-static's wget crashes (glibc's static resolver); nc speaks the HTTP request instead.
  const canFetch = async (fromId: string, address: string) => (await exec(fromId, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} 80`)).stdout.includes('hello-from-stack');
  /** Waits until the boot script's httpd answers inside the server (on its loopback, which no group filters). */
  const httpdUp = async (serverId: string) => {
    for (let i = 0; i < 60; i++) {
      if (await canFetch(serverId, '127.0.0.1')) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.fail(`httpd did not start in ${serverId}`);
  };
  const names = (list: Array<Record<string, unknown>>, key = 'Name') => list.map((x) => x[key]);

  before(async () => {
    cloud = await startTestCloud('heat-neutron');
    work = makeTempDir('heat-neutron-work');
    await os('image', 'create', '--public', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb');
    await os('network', 'create', '--external', 'public');
    await os('subnet', 'create', '--network', 'public', '--subnet-range', pool, 'public-sub');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('lists the Neutron types in `orchestration resource type list`', async () => {
    const types = json<Array<{ 'Resource Type': string }>>(await os('orchestration', 'resource', 'type', 'list', '-f', 'json')).map((t) => t['Resource Type']);
    for (const t of ['Net', 'Subnet', 'Port', 'SecurityGroup', 'SecurityGroupRule', 'FloatingIP', 'FloatingIPAssociation']) assert.ok(types.includes(`OS::Neutron::${t}`), t);
    const shown = json(await os('orchestration', 'resource', 'type', 'show', 'OS::Neutron::Subnet', '-f', 'json'));
    assert.ok(JSON.stringify(shown).includes('cidr'));
  });

  let webId: string;
  let clientId: string;
  let groupId: string;
  let fipAddress: string;

  it('creates network, subnet, group, port and floating IP that servers use, visible to the network commands', async () => {
    await os('stack', 'create', '-t', file('app.yaml', appTemplate(true)), '--wait', 'app');
    assert.equal(json(await os('stack', 'show', 'app', '-f', 'json')).stack_status, 'CREATE_COMPLETE');
    webId = await resourceId('app', 'web');
    clientId = await resourceId('app', 'client');
    groupId = await resourceId('app', 'web_sg');
    const netId = await resourceId('app', 'net');

    const networks = json<Array<{ ID: string; Name: string }>>(await os('network', 'list', '-f', 'json'));
    assert.ok(networks.some((n) => n.ID === netId && n.Name === 'stack-net'));
    const subnets = json<Array<{ Network: string; Subnet: string }>>(await os('subnet', 'list', '-f', 'json'));
    assert.ok(subnets.some((s) => s.Network === netId && s.Subnet === cidr));
    assert.equal(await output('app', 'subnet_cidr'), cidr);
    assert.equal(await output('app', 'subnet_gateway'), '10.237.41.1');
    assert.deepEqual(await output('app', 'net_subnets'), [await resourceId('app', 'subnet')]);
    assert.ok(names(json(await os('security', 'group', 'list', '-f', 'json'))).includes('stack-web'));
    const rules = json<Array<{ 'IP Protocol': string | null; 'Port Range': string; Direction: string }>>(await os('security', 'group', 'rule', 'list', groupId, '-f', 'json'));
    assert.ok(rules.some((r) => r['IP Protocol'] === 'tcp' && r['Port Range'] === '80:80'));
    assert.ok(rules.some((r) => r.Direction === 'egress'), 'no egress rule in the template: Neutron\'s default egress stays');

    const webAddress = await output('app', 'web_address') as string;
    const clientAddress = await output('app', 'client_address') as string;
    assert.equal(webAddress, '10.237.41.50', 'web has the address its port asked for');
    assert.match(clientAddress, /^10\.237\.41\.\d+$/);
    const portId = await resourceId('app', 'web_port');
    const port = json(await os('port', 'show', portId, '-f', 'json'));
    assert.equal(port.device_id, webId, 'web booted on the stack\'s port');
    assert.equal(await output('app', 'port_mac'), port.mac_address);
    assert.equal(await output('app', 'port_network'), netId);
    assert.ok(JSON.stringify(await output('app', 'port_ips')).includes(webAddress));
    const ports = json<Array<{ ID: string }>>(await os('port', 'list', '--network', netId, '-f', 'json'));
    assert.equal(ports.length, 2, 'web\'s port and the one Nova made for client');
    const clientPorts = json<Array<{ ID: string }>>(await os('port', 'list', '--server', clientId, '-f', 'json'));
    assert.equal(await output('app', 'client_port'), clientPorts[0]!.ID, 'the server\'s addresses attribute names its port');

    for (const name of ['net', 'subnet', 'web_sg', 'web_port', 'fip']) {
      const shown = json<{ physical_resource_id: string; attributes: { show: { id: string } } }>(await os('stack', 'resource', 'show', 'app', name, '-f', 'json'));
      assert.equal(shown.attributes.show.id, shown.physical_resource_id, `resource show ${name} lists its attributes`);
    }
    fipAddress = await output('app', 'fip_address') as string;
    assert.match(fipAddress, /^127\.0\.141\.\d+$/);
    assert.equal(await output('app', 'fip_port'), portId);
    const fips = json<Array<{ 'Floating IP Address': string; Port: string }>>(await os('floating', 'ip', 'list', '-f', 'json'));
    assert.deepEqual(fips.map((f) => [f['Floating IP Address'], f.Port]), [[fipAddress, portId]]);

    assert.equal((await exec(clientId, 'ping', '-c', '1', '-W', '3', webAddress)).code, 0, 'client pings web on the stack network');
    assert.equal((await exec(webId, 'ping', '-c', '1', '-W', '3', clientAddress)).code, 0, 'web pings client');
    await httpdUp(webId);
    assert.equal(await canFetch(clientId, webAddress), true, 'the group\'s TCP 80 rule lets client fetch from web');
    const answer = await (await fetch(`http://${fipAddress}/`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(answer, /hello-from-stack/, 'web answers through its floating IP from the host');
  });

  it('an update that drops the rule closes the port in place; servers, group and floating IP stay', async () => {
    await os('stack', 'update', '-t', file('app-closed.yaml', appTemplate(false)), '--wait', 'app');
    assert.equal(json(await os('stack', 'show', 'app', '-f', 'json')).stack_status, 'UPDATE_COMPLETE');
    assert.deepEqual([await resourceId('app', 'web'), await resourceId('app', 'client'), await resourceId('app', 'web_sg')], [webId, clientId, groupId]);
    const rules = json<Array<{ 'IP Protocol': string | null; 'Port Range': string }>>(await os('security', 'group', 'rule', 'list', groupId, '-f', 'json'));
    assert.ok(!rules.some((r) => r['Port Range'] === '80:80'), 'the rule is gone from the group');
    const webAddress = await output('app', 'web_address') as string;
    assert.equal(await canFetch(clientId, webAddress), false, 'client can no longer fetch from web');
    await assert.rejects(fetch(`http://${fipAddress}/`, { signal: AbortSignal.timeout(2000) }), 'nor can the host through the floating IP');
    assert.equal((await exec(clientId, 'ping', '-c', '1', '-W', '3', webAddress)).code, 0, 'the ICMP rule still holds');
    assert.equal(await output('app', 'fip_address'), fipAddress);
  });

  it('delete --wait removes every object, bridge and nft table the stack made', async () => {
    await os('stack', 'delete', '--yes', '--wait', 'app');
    assert.deepEqual(json(await os('stack', 'list', '-f', 'json')), []);
    assert.deepEqual(json(await os('server', 'list', '-f', 'json')), []);
    assert.deepEqual(names(json(await os('network', 'list', '-f', 'json'))), ['public']);
    assert.deepEqual(names(json(await os('subnet', 'list', '-f', 'json'))), ['public-sub']);
    assert.deepEqual(json(await os('port', 'list', '-f', 'json')), []);
    assert.deepEqual(json(await os('floating', 'ip', 'list', '-f', 'json')), []);
    assert.deepEqual(names(json(await os('security', 'group', 'list', '-f', 'json'))), ['default']);
    assertNothingOnHost(cloud.dataDir);
  });

  it('fails a stack with a bad CIDR or an unknown network naming the property, and leaves nothing once deleted', async () => {
    const failed = async (name: string, template: string) => {
      await assert.rejects(os('stack', 'create', '-t', file(`${name}.yaml`, template), '--wait', name), /CREATE_FAILED|failed/i);
      const stack = json<{ stack_status: string; stack_status_reason: string }>(await os('stack', 'show', name, '-f', 'json'));
      assert.equal(stack.stack_status, 'CREATE_FAILED');
      return stack.stack_status_reason;
    };
    const badCidr = await failed('badcidr', `heat_template_version: 2018-08-31
resources:
  net: { type: OS::Neutron::Net, properties: { value_specs: { 'provider:network_type': vlan } } }
  sub: { type: OS::Neutron::Subnet, properties: { network: { get_resource: net }, cidr: not-a-cidr } }
`);
    assert.match(badCidr, /resources\.sub\.properties\.cidr: .*not-a-cidr/);
    assert.deepEqual(names(json(await os('subnet', 'list', '-f', 'json'))), ['public-sub'], 'the refused subnet made nothing');

    const unknownNet = await failed('badnet', `heat_template_version: 2018-08-31
resources:
  port: { type: OS::Neutron::Port, properties: { network: no-such-net } }
`);
    assert.match(unknownNet, /resources\.port\.properties\.network: Network no-such-net could not be found/);
    const unknownServerNet = await failed('badserver', `heat_template_version: 2018-08-31
resources:
  srv: { type: OS::Nova::Server, properties: { image: netbb, flavor: m1.tiny, networks: [{ network: no-such-net }] } }
`);
    assert.match(unknownServerNet, /resources\.srv\.properties\.networks\[0\]\.network: Network no-such-net could not be found/);
    const badRule = await failed('badrule', `heat_template_version: 2018-08-31
resources:
  sg: { type: OS::Neutron::SecurityGroup, properties: { rules: [{ protocol: tcp, port_range_min: 90, port_range_max: 80 }] } }
`);
    assert.match(badRule, /resources\.sg\.properties\.rules\[0\]: Invalid port range/);
    assert.deepEqual(names(json(await os('security', 'group', 'list', '-f', 'json'))), ['default'], 'the group of a refused rule is removed');

    // With rollback the stack takes its network back down itself.
    await assert.rejects(os('stack', 'create', '--enable-rollback', '-t', path.join(work, 'badcidr.yaml'), '--wait', 'rolledback'));
    assert.equal(json(await os('stack', 'show', 'rolledback', '-f', 'json')).stack_status, 'ROLLBACK_COMPLETE');
    const events = json<Array<{ resource_name: string; resource_status: string; resource_status_reason: string }>>(await os('stack', 'event', 'list', 'rolledback', '-f', 'json'));
    assert.ok(events.some((e) => e.resource_name === 'sub' && e.resource_status === 'CREATE_FAILED' && /properties\.cidr/.test(e.resource_status_reason)));
    assert.ok(events.some((e) => e.resource_name === 'net' && e.resource_status === 'CREATE_COMPLETE' && /properties\.value_specs: ignored/.test(e.resource_status_reason)), 'the ignored value_specs are a warning in the events');
    assert.equal(names(json(await os('network', 'list', '-f', 'json'))).length, 2, 'public, and the network of badcidr (made without rollback)');

    for (const name of ['badcidr', 'badnet', 'badserver', 'badrule', 'rolledback']) await os('stack', 'delete', '--yes', '--wait', name);
    assert.deepEqual(json(await os('stack', 'list', '-f', 'json')), []);
    assert.deepEqual(names(json(await os('network', 'list', '-f', 'json'))), ['public']);
    assert.deepEqual(json(await os('port', 'list', '-f', 'json')), []);
    assertNothingOnHost(cloud.dataDir);
  });

  it('a standalone rule, a floating IP association, and a port whose groups and a network whose name change in place', async () => {
    const template = file('assoc.yaml', `heat_template_version: 2018-08-31
parameters:
  open: { type: boolean }
  net_name: { type: string }
conditions:
  is_open: { get_param: open }
resources:
  net: { type: OS::Neutron::Net, properties: { name: { get_param: net_name } } }
  subnet: { type: OS::Neutron::Subnet, properties: { network: { get_resource: net }, cidr: 10.237.43.0/24 } }
  closed: { type: OS::Neutron::SecurityGroup }
  web_sg: { type: OS::Neutron::SecurityGroup }
  web_rule:
    type: OS::Neutron::SecurityGroupRule
    properties: { security_group: { get_resource: web_sg }, protocol: tcp, port_range_min: 80, port_range_max: 80 }
  port:
    type: OS::Neutron::Port
    properties:
      network: { get_resource: net }
      security_groups: { if: [is_open, [{ get_resource: web_sg }], [{ get_resource: closed }]] }
  web:
    type: OS::Nova::Server
    depends_on: web_rule
    properties: { image: netbb, flavor: m1.tiny, networks: [{ port: { get_resource: port } }], user_data_format: RAW, user_data: ${JSON.stringify(webScript)} }
  fip: { type: OS::Neutron::FloatingIP, properties: { floating_network: public } }
  other_fip: { type: OS::Neutron::FloatingIP, properties: { floating_network: public } }
  other:
    type: OS::Nova::Server
    properties: { image: netbb, flavor: m1.tiny, networks: [{ network: { get_resource: net }, floating_ip: { get_resource: other_fip } }] }
  assoc: { type: OS::Neutron::FloatingIPAssociation, properties: { floatingip_id: { get_resource: fip }, port_id: { get_resource: port } } }
outputs:
  address: { value: { get_attr: [fip, floating_ip_address] } }
`);
    await os('stack', 'create', '-t', template, '--parameter', 'open=true', '--parameter', 'net_name=assoc-net', '--wait', 'assoc');
    const address = await output('assoc', 'address') as string;
    const ids = async () => Promise.all(['net', 'port', 'web', 'fip'].map((r) => resourceId('assoc', r)));
    const before = await ids();
    const fip = json(await os('floating', 'ip', 'show', address, '-f', 'json'));
    assert.equal(fip.port_id, before[1], 'the association mapped the floating IP to the port');
    await httpdUp(before[2]!);
    const answer = await (await fetch(`http://${address}/`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(answer, /hello-from-stack/, 'the standalone rule opens port 80');
    const otherFip = json(await os('floating', 'ip', 'show', await resourceId('assoc', 'other_fip'), '-f', 'json'));
    const otherPorts = json<Array<{ ID: string }>>(await os('port', 'list', '--server', await resourceId('assoc', 'other'), '-f', 'json'));
    assert.equal(otherFip.port_id, otherPorts[0]!.ID, 'a server\'s networks item maps its floating_ip to the server\'s port on that network');

    await os('stack', 'update', '-t', template, '--parameter', 'open=false', '--parameter', 'net_name=renamed-net', '--wait', 'assoc');
    assert.deepEqual(await ids(), before, 'network, port, server and floating IP updated in place');
    assert.equal(json(await os('network', 'show', before[0]!, '-f', 'json')).name, 'renamed-net');
    const port = json(await os('port', 'show', before[1]!, '-f', 'json'));
    assert.deepEqual(port.security_group_ids ?? port.security_groups, [await resourceId('assoc', 'closed')]);
    await assert.rejects(fetch(`http://${address}/`, { signal: AbortSignal.timeout(2000) }), 'the port\'s new group admits nothing');

    await os('stack', 'delete', '--yes', '--wait', 'assoc');
    assert.deepEqual(json(await os('floating', 'ip', 'list', '-f', 'json')), []);
    assert.deepEqual(json(await os('port', 'list', '-f', 'json')), []);
    assert.deepEqual(names(json(await os('security', 'group', 'list', '-f', 'json'))), ['default']);
    assertNothingOnHost(cloud.dataDir);
  });

  it('templates/vps.yaml: its firewall admits SSH\'s port through the floating IP and nothing else', async () => {
    await os('stack', 'create', '-t', path.join(projectRoot, 'templates', 'vps.yaml'), '--parameter', 'image=netbb', '--parameter', 'flavor=m1.tiny',
      '--parameter', 'public_net=public', '--parameter', 'private_cidr=10.237.42.0/24', '--wait', 'vps');
    const server = await output('vps', 'server_id') as string;
    const publicAddress = await output('vps', 'public_address') as string;
    assert.match(publicAddress, /^127\.0\.141\.\d+$/);
    assert.match(await output('vps', 'address') as string, /^10\.237\.42\.\d+$/);
    // busybox has no sshd: a web server on port 22 stands in for it, and one on 80 the firewall must keep out.
    assert.equal((await exec(server, 'sh', '-c', 'mkdir -p /www && echo behind-the-firewall > /www/index.html && httpd -p 22 -h /www && httpd -p 80 -h /www')).code, 0);
    assert.match(await httpGet(publicAddress, 22, 5000), /behind-the-firewall/);
    await assert.rejects(httpGet(publicAddress, 80, 2000), 'port 80 is not in the firewall');
    await os('stack', 'delete', '--yes', '--wait', 'vps');
    assert.deepEqual(json(await os('floating', 'ip', 'list', '-f', 'json')), []);
    assert.deepEqual(names(json(await os('network', 'list', '-f', 'json'))), ['public']);
    assertNothingOnHost(cloud.dataDir);
  });
});

/** GET / on a port fetch() refuses to use (22), over a plain socket; rejects on timeout. */
function httpGet(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host, port }, () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${host}:${port}`)));
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString(); });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

/** No bridge or veth of this data dir, and neither its engine nft table nor its floating IP table. */
function assertNothingOnHost(dataDir: string): void {
  const names = hostNames(dataDir);
  const links = (JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as { ifname: string }[]).map((l) => l.ifname).filter((n) => names.linkPattern.test(n));
  assert.deepEqual(links, []);
  const tables = execFileSync('nft', ['list', 'tables']).toString();
  assert.doesNotMatch(tables, new RegExp(`\\b${names.table}(_fip)?\\b`));
}
