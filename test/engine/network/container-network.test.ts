/**
 * Containers on networks end to end, through the CLI as a user runs it: `run --network`,
 * names resolved by the network's DNS, `-p`/`-P` from the host's loopback, `network
 * connect`, and nothing left on the host after `rm -f` and `network rm`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostNames } from '../../../engine/network/host-names.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder } from '../../helpers/test-engine.js';

/** Reads what the server at 127.0.0.1:port sends for an HTTP GET, retrying while it starts. */
async function httpGet(port: number, timeoutMs = 10_000): Promise<string> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const body = await new Promise<string | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.0\r\n\r\n'));
      let data = '';
      s.setTimeout(2000, () => s.destroy());
      s.on('data', (b) => (data += b));
      s.on('close', () => resolve(data.includes('\r\n\r\n') ? data.slice(data.indexOf('\r\n\r\n') + 4) : undefined));
      s.on('error', () => resolve(undefined));
    });
    if (body !== undefined) return body;
    if (Date.now() > deadline) throw new Error(`no HTTP answer on 127.0.0.1:${port}`);
  }
}

// busybox 1.35's wget crashes with -T (a timeout); `busybox timeout` bounds it instead, under
// sh (kept by a second command, or it would exec it): as pid 1 the timed program would ignore
// timeout's SIGTERM.
const serve = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec busybox httpd -f -p 8080 -h /www`];

describe('containers on networks (intermodal run --network, -p, network connect)', function () {
  this.timeout(120_000);
  let work: string;
  let dataDir: string;

  before(async () => {
    work = makeTempDir('net-ctr-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    dataDir = makeTempDir('net-ctr');
    assert.equal((await runCli(dataDir, ['import', '-c', 'CMD ["sh"]', '-c', 'EXPOSE 8080', path.join(work, 'rootfs.tar'), 'bb:1'])).code, 0);
  });
  afterEach(async () => {
    const ids = (await runCli(dataDir, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await runCli(dataDir, ['rm', '-f', ...ids]);
    const nets = (await runCli(dataDir, ['network', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    if (nets.length > 0) await runCli(dataDir, ['network', 'rm', ...nets]);
    const names = hostNames(dataDir);
    const links = (JSON.parse(execFileSync('ip', ['-j', 'link']).toString()) as { ifname: string }[]).map((l) => l.ifname).filter((n) => names.linkPattern.test(n));
    const leftover = mountsUnder(dataDir);
    removeTempDir(dataDir);
    assert.deepEqual(leftover, []);
    assert.deepEqual(links, [], 'no bridge or veth left');
  });

  it('a container reaches another by name on a user network; a published port answers on 127.0.0.1', async () => {
    assert.equal((await runCli(dataDir, ['network', 'create', 'n1'])).code, 0);
    const started = await runCli(dataDir, ['run', '-d', '--network', 'n1', '--name', 'a', '-p', '127.0.0.1::8080', 'bb:1', ...serve('hello-from-a')]);
    assert.equal(started.code, 0, started.stderr);
    const [doc] = JSON.parse((await runCli(dataDir, ['network', 'inspect', 'n1'])).stdout) as { Containers: Record<string, { Name: string; IPv4Address: string; Ports: string[] }> }[];
    const a = Object.values(doc!.Containers).find((c) => c.Name === 'a')!;
    const hostPort = Number(/^127\.0\.0\.1:(\d+)->8080\/tcp$/.exec(a.Ports[0]!)![1]);
    assert.equal(await httpGet(hostPort), 'hello-from-a\n');

    const fetched = await runCli(dataDir, ['run', '--rm', '--network', 'n1', 'bb:1', 'sh', '-c', 'cat /etc/resolv.conf >&2; busybox wget -q -O - http://a:8080/']);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.equal(fetched.stdout, 'hello-from-a\n');
    assert.match(fetched.stderr, /^nameserver 10\./m);
    const hosts = await runCli(dataDir, ['exec', 'a', 'cat', '/etc/hosts']);
    assert.match(hosts.stdout, new RegExp(`^${a.IPv4Address.split('/')[0]!.replace(/\./g, '\\.')}\\t.*\\ba\\b`, 'm'));

    // Another network does not see it, until connected.
    assert.equal((await runCli(dataDir, ['network', 'create', 'n2'])).code, 0);
    const isolated = await runCli(dataDir, ['run', '--rm', '--network', 'n2', 'bb:1', 'sh', '-c', `busybox timeout 3 busybox wget -q -O - http://${a.IPv4Address.split('/')[0]}:8080/; exit $?`]);
    assert.notEqual(isolated.code, 0, 'n2 must not reach a container of n1');
    const connected = await runCli(dataDir, ['network', 'connect', 'n2', 'a']);
    assert.equal(connected.code, 0, connected.stderr);
    const viaN2 = await runCli(dataDir, ['run', '--rm', '--network', 'n2', 'bb:1', 'sh', '-c', 'busybox timeout 5 busybox wget -q -O - http://a:8080/; exit $?']);
    assert.deepEqual([viaN2.code, viaN2.stdout], [0, 'hello-from-a\n'], viaN2.stderr);
    assert.equal((await runCli(dataDir, ['exec', 'a', 'ls', '/sys/class/net'])).stdout, 'eth0\neth1\nlo\n');
    const disconnected = await runCli(dataDir, ['network', 'disconnect', 'n2', 'a']);
    assert.equal(disconnected.code, 0, disconnected.stderr);
    assert.equal((await runCli(dataDir, ['exec', 'a', 'ls', '/sys/class/net'])).stdout, 'eth0\nlo\n');
    const gone = await runCli(dataDir, ['run', '--rm', '--network', 'n2', 'bb:1', 'busybox', 'nslookup', 'a']);
    assert.match(gone.stdout + gone.stderr, /NXDOMAIN/, 'n2 no longer knows a');
    const refused = await runCli(dataDir, ['network', 'rm', 'n1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /in use by a/);

    assert.equal((await runCli(dataDir, ['rm', '-f', 'a'])).code, 0);
    assert.doesNotMatch(execFileSync('nft', ['list', 'table', 'ip', hostNames(dataDir).table]).toString(), /dnat to/, 'the published port went with the container');
  });

  it('-P publishes the image\'s exposed ports on the default network, and a stop takes the interface away', async () => {
    const started = await runCli(dataDir, ['run', '-d', '-P', '--name', 'web', 'bb:1', ...serve('hello-P')]);
    assert.equal(started.code, 0, started.stderr);
    const [doc] = JSON.parse((await runCli(dataDir, ['network', 'inspect', 'intermodal0'])).stdout) as { Containers: Record<string, { Ports: string[] }> }[];
    const port = Number(/^0\.0\.0\.0:(\d+)->8080\/tcp$/.exec(Object.values(doc!.Containers)[0]!.Ports[0]!)![1]);
    assert.equal(await httpGet(port), 'hello-P\n');
    assert.equal((await runCli(dataDir, ['stop', '-t', '1', 'web'])).code, 0);
    const [after] = JSON.parse((await runCli(dataDir, ['network', 'inspect', 'intermodal0'])).stdout) as { Containers: object }[];
    assert.deepEqual(after!.Containers, {}, 'a stopped container holds no address or port');
    assert.equal((await runCli(dataDir, ['start', 'web'])).code, 0);
    const [again] = JSON.parse((await runCli(dataDir, ['network', 'inspect', 'intermodal0'])).stdout) as { Containers: Record<string, { Ports: string[] }> }[];
    const port2 = Number(/:(\d+)->/.exec(Object.values(again!.Containers)[0]!.Ports[0]!)![1]);
    assert.equal(await httpGet(port2), 'hello-P\n', 'a restarted container is attached again');
  });

  it('a --userns container is attached in a network namespace of its own user namespace', async () => {
    fs.chmodSync(dataDir, 0o711); // the container's root, an unprivileged host uid, must reach its rootfs
    assert.equal((await runCli(dataDir, ['network', 'create', 'n1'])).code, 0);
    const started = await runCli(dataDir, ['run', '-d', '--userns', 'private', '--network', 'n1', '--name', 'u', 'bb:1', ...serve('hello-userns')]);
    assert.equal(started.code, 0, started.stderr);
    assert.match((await runCli(dataDir, ['exec', 'u', 'cat', '/proc/self/uid_map'])).stdout, /^\s*0\s+[1-9]\d*\s+\d+/);
    assert.equal((await runCli(dataDir, ['exec', 'u', 'ls', '/sys/class/net'])).stdout, 'eth0\nlo\n', 'its own interfaces, not the host\'s');
    const fetched = await runCli(dataDir, ['run', '--rm', '--network', 'n1', 'bb:1', 'busybox', 'wget', '-q', '-O', '-', 'http://u:8080/']);
    assert.deepEqual([fetched.code, fetched.stdout], [0, 'hello-userns\n'], fetched.stderr);
    assert.match((await runCli(dataDir, ['exec', 'u', 'cat', '/etc/hosts'])).stdout, /^10\.\S+\t.*\bu$/m, 'hosts filled in after the attach');
  });

  it('refuses bad network options at run and creates nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['run', '-d', '--network', 'ghost', 'bb:1', 'sleep', '5'], /network 'ghost' not found/],
      [['run', '-d', '--network', 'host', 'bb:1', 'sleep', '5'], /not supported/],
      [['run', '-d', '-p', '80/sctp', 'bb:1', 'sleep', '5'], /protocol must be tcp or udp/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(dataDir, args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.equal((await runCli(dataDir, ['ps', '-aq'])).stdout, '', 'no container was created');
  });
});
