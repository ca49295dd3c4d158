import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { type EngineDatabase, openDatabase } from '../../../engine/metadata/database.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { NetworkService } from '../../../engine/network/network-service.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { type TestNamespace, deleteNamespaces, makeNamespace, readFrom, runIn, startReplyServer, startUdpEcho, stopProcess, unusedSubnet } from './netns-fixture.js';

/** What this data dir has on the host: links, addresses in its subnets, its nft table, DNS processes. */
function hostLeftovers(svc: NetworkService, subnets: string[]): { links: string[]; addresses: string[]; table: boolean; dns: number[] } {
  const links = (JSON.parse(execFileSync('ip', ['-j', 'link', 'show']).toString()) as { ifname: string }[]).map((l) => l.ifname).filter((n) => svc.names.linkPattern.test(n));
  const prefixes = subnets.map((s) => s.split('.').slice(0, 3).join('.') + '.');
  const addresses = (JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show']).toString()) as { addr_info: { local: string }[] }[])
    .flatMap((l) => l.addr_info.map((a) => a.local)).filter((a) => prefixes.some((p) => a.startsWith(p)));
  let table = true;
  try {
    execFileSync('nft', ['list', 'table', 'ip', svc.names.table], { stdio: 'ignore' });
  } catch {
    table = false;
  }
  const dns = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return argv.includes('dns-main.js') && argv.split('\0').includes(dataDirOf.get(svc)!);
    } catch {
      return false;
    }
  }).map(Number);
  return { links, addresses, table, dns };
}

const dataDirOf = new Map<NetworkService, string>();

describe('engine/network/network-service (real bridges, veths, nftables)', function () {
  let dir: string;
  let db: EngineDatabase;
  let svc: NetworkService;
  let namespaces: TestNamespace[];
  let processes: ChildProcess[];
  let subnets: string[];

  const ns = () => {
    const made = makeNamespace();
    namespaces.push(made);
    return made;
  };
  const network = async (name: string, options: Parameters<NetworkService['create']>[1] = {}) => {
    const n = await svc.create(name, options);
    subnets.push(n.subnet);
    return n;
  };
  const container = (name: string) => ({ id: `${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}`, name });

  beforeEach(() => {
    dir = makeTempDir('network');
    db = openDatabase(dir);
    svc = new NetworkService(db, dir);
    dataDirOf.set(svc, dir);
    namespaces = [];
    processes = [];
    subnets = [];
  });

  afterEach(async () => {
    for (const p of processes) await stopProcess(p);
    for (const e of svc.store.allEndpoints()) await svc.detach(e.containerId);
    for (const n of svc.list()) await svc.remove(n.id);
    deleteNamespaces(namespaces);
    db.close();
    removeTempDir(dir);
  });

  it('two namespaces on one network reach each other by address and by name through the DNS', async () => {
    const n1 = await network('n1');
    const [a, b] = [ns(), ns()];
    const started = process.hrtime.bigint();
    const attachedA = await svc.attach(container('alpha'), a.path, [{ network: 'n1' }]);
    const firstMs = Number(process.hrtime.bigint() - started) / 1e6;
    const second = process.hrtime.bigint();
    const attachedB = await svc.attach(container('beta'), b.path, [{ network: 'n1', aliases: ['db'] }]);
    const secondMs = Number(process.hrtime.bigint() - second) / 1e6;
    console.log(`      attach: first on a new network ${firstMs.toFixed(1)} ms (bridge + DNS start), next ${secondMs.toFixed(1)} ms`);
    const addrA = attachedA.endpoints[0]!.address;
    const addrB = attachedB.endpoints[0]!.address;
    assert.notEqual(addrA, addrB);
    assert.equal(attachedA.endpoints[0]!.ifname, 'eth0');
    assert.equal(attachedA.endpoints[0]!.mac, `02:42:${addrA.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`);

    // Inside: eth0 with the MAC and address, a default route via the gateway, loopback up.
    const link = JSON.parse((await runIn(a, ['ip', '-j', 'addr', 'show', 'eth0'])).stdout) as { address: string; mtu: number; addr_info: { local: string; prefixlen: number }[] }[];
    assert.equal(link[0]!.address, attachedA.endpoints[0]!.mac);
    assert.deepEqual(link[0]!.addr_info.filter((i) => i.local.includes('.')).map((i) => `${i.local}/${i.prefixlen}`), [`${addrA}/24`]);
    assert.match((await runIn(a, ['ip', 'route', 'show', 'default'])).stdout, new RegExp(`default via ${n1.gateway.replace(/\./g, '\\.')} dev eth0`));
    assert.match((await runIn(a, ['ip', 'link', 'show', 'lo'])).stdout, /UP/);

    assert.equal((await runIn(a, ['busybox', 'ping', '-c', '1', '-W', '2', addrB])).code, 0, 'alpha pings beta');
    assert.equal((await runIn(b, ['busybox', 'ping', '-c', '1', '-W', '2', addrA])).code, 0, 'beta pings alpha');

    const lookup = await runIn(a, ['busybox', 'nslookup', 'beta', n1.gateway]);
    assert.match(lookup.stdout, new RegExp(`Address: ${addrB.replace(/\./g, '\\.')}`), lookup.stdout + lookup.stderr);
    assert.match((await runIn(a, ['busybox', 'nslookup', 'db', n1.gateway])).stdout, new RegExp(addrB.replace(/\./g, '\\.')));
    const unknown = await runIn(a, ['busybox', 'nslookup', 'example.com', n1.gateway]);
    assert.match(unknown.stdout + unknown.stderr, /NXDOMAIN/, 'names outside the network are not resolved (nothing is forwarded)');
    // The generated resolv.conf points at that server; hosts names the container.
    assert.match(attachedA.files.resolvConf, new RegExp(`^nameserver ${n1.gateway.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(attachedA.files.hosts, new RegExp(`^${addrA.replace(/\./g, '\\.')}\\t.*\\balpha\\b`, 'm'));
  });

  it('keeps two networks apart: no traffic and no names across them', async () => {
    const n1 = await network('n1');
    const n2 = await network('n2');
    const [a, c] = [ns(), ns()];
    const addrA = (await svc.attach(container('alpha'), a.path, [{ network: n1.name }])).endpoints[0]!.address;
    const addrC = (await svc.attach(container('gamma'), c.path, [{ network: n2.name }])).endpoints[0]!.address;
    assert.equal((await runIn(c, ['busybox', 'ping', '-c', '1', '-W', '2', n2.gateway])).code, 0, 'gamma reaches its own gateway');
    assert.notEqual((await runIn(c, ['busybox', 'ping', '-c', '1', '-W', '1', addrA])).code, 0, 'gamma must not reach alpha');
    assert.notEqual((await runIn(a, ['busybox', 'ping', '-c', '1', '-W', '1', addrC])).code, 0, 'alpha must not reach gamma');
    const lookup = await runIn(c, ['busybox', 'nslookup', 'alpha', n2.gateway]);
    assert.match(lookup.stdout + lookup.stderr, /NXDOMAIN/);

    // Connected to both, delta reaches and resolves both, through its first network's DNS.
    const d = ns();
    const both = await svc.attach(container('delta'), d.path, [{ network: n1.name }, { network: n2.name }]);
    assert.deepEqual(both.endpoints.map((e) => e.ifname), ['eth0', 'eth1']);
    assert.equal((await runIn(d, ['busybox', 'ping', '-c', '1', '-W', '2', addrC])).code, 0, 'delta reaches gamma on n2');
    assert.match((await runIn(d, ['busybox', 'nslookup', 'gamma', n1.gateway])).stdout, new RegExp(addrC.replace(/\./g, '\\.')));
    assert.match((await runIn(d, ['busybox', 'nslookup', 'alpha', n1.gateway])).stdout, new RegExp(addrA.replace(/\./g, '\\.')));
    assert.deepEqual(both.files.resolvConf.match(/^nameserver .*$/gm), [`nameserver ${n1.gateway}`]);
  });

  it('publishes a port: reachable from 127.0.0.1 on the host and, hairpinned, from a container of the network', async () => {
    await network('web');
    const [server, client] = [ns(), ns()];
    const { endpoints } = await svc.attach(container('server'), server.path, [{ network: 'web', ports: [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 0, containerPort: 8080 }] }]);
    const port = endpoints[0]!.ports[0]!;
    assert.ok(port.hostPort > 0, 'a free host port was picked');
    await svc.attach(container('client'), client.path, [{ network: 'web' }]);
    processes.push(await startReplyServer(server, 8080, 'hello from the namespace'));
    assert.equal(await readFrom('127.0.0.1', port.hostPort), 'hello from the namespace');
    const gateway = svc.get('web').gateway;
    assert.equal(await readFrom(gateway, port.hostPort, client), 'hello from the namespace', 'hairpin through the gateway address');
    assert.equal(await readFrom(endpoints[0]!.address, 8080), 'hello from the namespace', 'the bridge address directly from the host');
    const rules = execFileSync('nft', ['list', 'chain', 'ip', svc.names.table, 'published']).toString();
    assert.match(rules, new RegExp(`tcp dport ${port.hostPort} dnat to ${endpoints[0]!.address.replace(/\./g, '\\.')}:8080`));

    await svc.detach(container('server').id);
    assert.match(await readFrom('127.0.0.1', port.hostPort), /^ERROR/, 'the port is closed once the container is detached');
    assert.doesNotMatch(execFileSync('nft', ['list', 'chain', 'ip', svc.names.table, 'published']).toString(), /dnat to/);
  });

  it('publishes a UDP port on 127.0.0.1 only', async () => {
    await network('udp');
    const server = ns();
    const { endpoints } = await svc.attach(container('echo'), server.path, [{ network: 'udp', ports: [{ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 9999 }] }]);
    processes.push(await startUdpEcho(server, 9999));
    const socket = dgram.createSocket('udp4');
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no UDP reply through the published port')), 3000);
        socket.once('message', (m) => {
          clearTimeout(timer);
          resolve(m.toString());
        });
        socket.send('ping', endpoints[0]!.ports[0]!.hostPort, '127.0.0.1');
      });
      assert.equal(reply, 'echo:ping');
    } finally {
      socket.close();
    }
    assert.match(execFileSync('nft', ['list', 'chain', 'ip', svc.names.table, 'published']).toString(), /ip daddr 127\.0\.0\.1 udp dport \d+ dnat to/);
  });

  it('gives concurrent attaches distinct addresses and measures attach time', async () => {
    const n1 = await network('n1');
    const spaces = Array.from({ length: 12 }, () => ns());
    await svc.attach(container('warm'), ns().path, [{ network: 'n1' }]); // bridge and DNS up
    const times: number[] = [];
    for (const [i, space] of spaces.slice(0, 6).entries()) {
      const t = process.hrtime.bigint();
      await svc.attach(container(`seq${i}`), space.path, [{ network: 'n1' }]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const t = process.hrtime.bigint();
    const parallel = await Promise.all(spaces.slice(6).map((space, i) => svc.attach(container(`par${i}`), space.path, [{ network: 'n1' }])));
    const parallelMs = Number(process.hrtime.bigint() - t) / 1e6;
    times.sort((x, y) => x - y);
    console.log(`      attach p50 ${times[3]!.toFixed(1)} ms sequential; 6 at once in ${parallelMs.toFixed(1)} ms`);
    const addresses = svc.store.endpointsOf(n1.id).map((e) => e.address);
    assert.equal(new Set(addresses).size, 13);
    const last = parallel[5]!.endpoints[0]!.address;
    assert.equal((await runIn(spaces[0]!, ['busybox', 'ping', '-c', '1', '-W', '2', last])).code, 0);
  });

  it('takes a given MAC (OpenStack style) and the network\'s MTU', async () => {
    await network('small', { mtu: 1400 });
    const a = ns();
    const { endpoints } = await svc.attach(container('neutron'), a.path, [{ network: 'small', mac: 'FA:16:3E:12:34:56' }]);
    assert.equal(endpoints[0]!.mac, 'fa:16:3e:12:34:56');
    const [link] = JSON.parse((await runIn(a, ['ip', '-j', 'link', 'show', 'eth0'])).stdout) as { address: string; mtu: number }[];
    assert.deepEqual([link!.address, link!.mtu], ['fa:16:3e:12:34:56', 1400]);
    await assert.rejects(svc.attach(container('badmac'), ns().path, [{ network: 'small', mac: 'fa:16:3e:zz:00:01' }]), /invalid MAC/);
  });

  it('takes a chosen address (Neutron\'s fixed IP), and refuses one in use, the gateway or one outside the subnet', async () => {
    const { third, cidr } = unusedSubnet();
    await network('chosen', { subnet: cidr });
    const a = ns();
    const { endpoints } = await svc.attach(container('fixed'), a.path, [{ network: 'chosen', address: `10.98.${third}.77` }]);
    assert.equal(endpoints[0]!.address, `10.98.${third}.77`);
    assert.match((await runIn(a, ['ip', '-4', 'addr', 'show', 'eth0'])).stdout, new RegExp(`inet 10\\.98\\.${third}\\.77/24`));
    await assert.rejects(svc.attach(container('dup'), ns().path, [{ network: 'chosen', address: `10.98.${third}.77` }]), AlreadyExistsError);
    await assert.rejects(svc.attach(container('gw'), ns().path, [{ network: 'chosen', address: `10.98.${third}.1` }]), AlreadyExistsError);
    await assert.rejects(svc.attach(container('out'), ns().path, [{ network: 'chosen', address: `10.98.${third}.255` }]), InvalidArgumentError);
    await assert.rejects(svc.attach(container('bad'), ns().path, [{ network: 'chosen', address: '10.98.300.1' }]), InvalidArgumentError);
    assert.deepEqual(svc.store.allEndpoints().map((e) => e.containerName), ['fixed']);
  });

  it('refuses bad requests and leaves nothing behind', async () => {
    const { third, cidr } = unusedSubnet();
    await network('n1', { subnet: cidr });
    await assert.rejects(svc.create('n1'), /already exists/);
    await assert.rejects(svc.create('n3', { subnet: `10.98.${third}.128/25` }), /overlaps/);
    await assert.rejects(svc.create('n4', { subnet: `10.98.${third + 1}.1/24` }), InvalidArgumentError);
    await assert.rejects(svc.create('n5', { subnet: '127.0.0.0/8' }), /overlaps/, 'a subnet over a host route');
    await assert.rejects(svc.create('bad name!'), InvalidArgumentError);
    await network('inner', { internal: true });
    const a = ns();
    await assert.rejects(svc.attach(container('x'), a.path, [{ network: 'n1' }, { network: 'missing' }]), NotFoundError);
    await assert.rejects(svc.attach(container('x'), a.path, [{ network: 'n1' }, { network: 'inner', ports: [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 0, containerPort: 80 }] }]), /internal/);
    await assert.rejects(svc.attach(container('x'), '/run/netns/does-not-exist', [{ network: 'n1' }]), InvalidArgumentError);
    assert.deepEqual(svc.store.allEndpoints(), []);
    assert.deepEqual(hostLeftovers(svc, subnets).links.sort(), svc.list().map((n) => n.bridge).sort(), 'no veth from refused attaches, only the networks\' bridges');
    // A taken host port refuses the whole attach, the interface made before it included.
    const taken = await network('n6');
    const b = ns();
    await svc.attach(container('first'), b.path, [{ network: taken.name, ports: [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 }] }]);
    const used = svc.endpoints(container('first').id)[0]!.ports[0]!.hostPort;
    const c = ns();
    await assert.rejects(svc.attach(container('second'), c.path, [{ network: 'n1' }, { network: taken.name, ports: [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: used, containerPort: 80 }] }]), FailedPreconditionError);
    assert.deepEqual(svc.endpoints(container('second').id), []);
    assert.equal((await runIn(c, ['ip', '-j', 'link', 'show'])).stdout.includes('eth0'), false);
    await assert.rejects(svc.remove('n6'), /in use by first/);
  });

  it('tears down with the container and the network: no veth, bridge, address, rule or DNS left', async () => {
    await network('n1');
    await network('n2', { internal: true });
    const [a, b] = [ns(), ns()];
    await svc.attach(container('alpha'), a.path, [{ network: 'n1', ports: [{ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 53 }] }, { network: 'n2' }]);
    await svc.attach(container('beta'), b.path, [{ network: 'n2' }]);
    assert.deepEqual(svc.endpoints(container('alpha').id).map((e) => e.ifname), ['eth0', 'eth1']);
    assert.equal((await runIn(b, ['ip', 'route', 'show', 'default'])).stdout.trim(), '', 'no default route on an internal network');
    const during = hostLeftovers(svc, subnets);
    assert.equal(during.links.length, 2 + 3, 'two bridges, three veths');
    assert.equal(during.dns.length, 1, 'one DNS server for all the data dir\'s networks');
    await svc.detach(container('alpha').id);
    await svc.detach(container('beta').id);
    assert.equal((await runIn(a, ['ip', '-j', 'link', 'show'])).stdout.includes('eth0'), false, 'the container end is gone with the host end');
    const afterDetach = hostLeftovers(svc, subnets);
    assert.equal(afterDetach.links.length, 2, 'only the bridges stay with their networks');
    assert.doesNotMatch(execFileSync('nft', ['list', 'table', 'ip', svc.names.table]).toString(), /dnat to/);
    for (const n of svc.list()) await svc.remove(n.name);
    assert.deepEqual(hostLeftovers(svc, subnets), { links: [], addresses: [], table: false, dns: [] });
  });

  it('reconcile removes orphaned veths, bridges, endpoints and rules after a crash', async () => {
    const n1 = await network('n1');
    const [a, b] = [ns(), ns()];
    await svc.attach(container('alpha'), a.path, [{ network: 'n1' }]);
    const gone = await svc.attach(container('ghost'), b.path, [{ network: 'n1', ports: [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 }] }]);
    // The crash: ghost's namespace vanished without a detach, and a half-made veth and a
    // bridge of a network that was never recorded are left on the host.
    deleteNamespaces([b]);
    const strayVeth = svc.names.hostVeth('abcdef0123');
    const strayBridge = svc.names.bridge('fedcba9876');
    execFileSync('ip', ['link', 'add', strayVeth, 'type', 'veth', 'peer', 'name', `${strayVeth.slice(0, 10)}p`]);
    execFileSync('ip', ['link', 'add', strayBridge, 'type', 'bridge']);
    const strayNamespace = svc.names.namespace('0123456789ab'.padEnd(64, '0'));
    execFileSync('ip', ['netns', 'add', strayNamespace]);
    namespaces.push({ name: strayNamespace, path: `/run/netns/${strayNamespace}` });
    const young = await svc.reconcile();
    assert.deepEqual(young.namespaces, [], 'a namespace younger than the grace period may be a start in progress');
    const report = await svc.reconcile({ graceMs: 0 });
    assert.deepEqual(young.endpoints, [gone.endpoints[0]!.id], 'a vanished namespace is dead at once');
    assert.deepEqual(report.endpoints, []);
    assert.deepEqual([...young.links, ...report.links].sort(), [strayBridge, strayVeth].sort());
    assert.deepEqual(report.namespaces, [strayNamespace]);
    assert.ok(!fs.existsSync(`/run/netns/${strayNamespace}`));
    const links = hostLeftovers(svc, subnets).links;
    assert.deepEqual(links.sort(), [n1.bridge, svc.endpoints(container('alpha').id)[0]!.hostVeth].sort());
    assert.doesNotMatch(execFileSync('nft', ['list', 'table', 'ip', svc.names.table]).toString(), /dnat to/, 'the ghost\'s published port is gone');
    assert.equal((await runIn(a, ['busybox', 'ping', '-c', '1', '-W', '2', n1.gateway])).code, 0, 'the live endpoint still works');
  });

  it('reconcile brings back a lost bridge and DNS server for the endpoints that remain', async () => {
    // A subnet off the automatic range: while its bridge is gone, another data dir's
    // network create must not take it.
    const n1 = await network('n1', { subnet: unusedSubnet().cidr });
    const [a, b] = [ns(), ns()];
    await svc.attach(container('alpha'), a.path, [{ network: 'n1' }]);
    const addrB = (await svc.attach(container('beta'), b.path, [{ network: 'n1' }])).endpoints[0]!.address;
    process.kill(svc.store.dnsPid()!, 'SIGKILL');
    execFileSync('ip', ['link', 'del', n1.bridge]);
    assert.notEqual((await runIn(a, ['busybox', 'ping', '-c', '1', '-W', '1', addrB])).code, 0, 'broken before');
    const report = await svc.reconcile();
    assert.deepEqual(report, { endpoints: [], links: [], namespaces: [] });
    assert.equal((await runIn(a, ['busybox', 'ping', '-c', '1', '-W', '2', addrB])).code, 0, 'alpha reaches beta again');
    assert.match((await runIn(a, ['busybox', 'nslookup', 'beta', n1.gateway])).stdout, new RegExp(addrB.replace(/\./g, '\\.')));
  });
});
