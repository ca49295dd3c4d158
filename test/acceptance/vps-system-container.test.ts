/**
 * A VPS the way a customer uses one, with the real `openstack` and `ssh` clients: a Debian
 * image uploaded with `intermodal_init=system` boots systemd as pid 1, systemd starts
 * sshd, and `ssh -i key root@ADDRESS` with the server's keypair works through its fixed
 * address and through a floating IP on the host's loopback. lxcfs shows the flavor's
 * memory and CPUs inside. A stop is systemd's clean halt, and a delete leaves no process,
 * mount or cgroup of the server behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import osModule from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../helpers/test-cloud.js';
import { addressOf, makeKeyPair, ssh, sshWhenUp, uploadSystemImage } from './vps-system-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything on the host that still names container `id`: processes in its cgroups, cgroup dirs, mounts. */
function hostTraces(id: string, pid: number): string[] {
  const traces: string[] = [];
  if (pid > 0 && fs.existsSync(`/proc/${pid}`)) traces.push(`its init (pid ${pid}) still runs`);
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (fs.readFileSync(`/proc/${entry}/cgroup`, 'utf8').includes(id)) traces.push(`process ${entry} is in its cgroup`);
    } catch {
      // Exited while we looked.
    }
  }
  for (const hierarchy of fs.readdirSync('/sys/fs/cgroup')) {
    if (fs.existsSync(path.join('/sys/fs/cgroup', hierarchy, 'intermodal', id))) traces.push(`cgroup ${hierarchy}/intermodal/${id}`);
  }
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) traces.push(`mount ${line}`);
  return traces;
}

describe('VPS: system containers with systemd, SSH and lxcfs, with the real openstack and ssh clients', function () {
  this.timeout(1_800_000);
  let cloud: TestCloud;
  let work: string;
  let key: string;
  let serverId: string;
  let fixed: string;

  const os = (...args: string[]) => cloud.openstack(args);
  const container = async (server: string) => json<Array<{ Id: string; State: { Pid: number } }>>((await runCli(cloud.dataDir, ['inspect', `instance-${server}`])).stdout)[0]!;
  const waitForStatus = async (server: string, status: string) => {
    for (let i = 0; i < 120; i++) {
      if (json<{ status: string }>(await os('server', 'show', server, '-f', 'json')).status === status) return;
      await sleep(500);
    }
    assert.fail(`${server} did not reach ${status}`);
  };

  before(async () => {
    cloud = await startTestCloud('vps-system');
    work = makeTempDir('vps-system-work');
    await uploadSystemImage(cloud, 'debian-vps');
    key = await makeKeyPair(work, 'customer');
    await os('keypair', 'create', '--public-key', `${key}.pub`, 'customer');
    await os('network', 'create', 'vps-net');
    await os('subnet', 'create', '--network', 'vps-net', '--subnet-range', '10.231.140.0/24', 'vps-sub');
    // The default group admits only its own members: open SSH to everyone, as a VPS customer would.
    await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'default');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('boots systemd as pid 1 from an image with intermodal_init=system; root logs in with the keypair through the fixed address', async () => {
    const image = json<{ properties: Record<string, string> | string }>(await os('image', 'show', 'debian-vps', '-f', 'json'));
    assert.match(JSON.stringify(image.properties), /intermodal_init.*system/);
    const server = json<{ id: string; status: string }>(await os('server', 'create', '--image', 'debian-vps', '--flavor', 'm1.tiny', '--key-name', 'customer', '--network', 'vps-net', '--wait', 'vps1', '-f', 'json'));
    assert.equal(server.status, 'ACTIVE');
    serverId = server.id;
    fixed = await addressOf(cloud, 'vps1', 'vps-net');
    assert.match(fixed, /^10\.231\.140\.\d+$/);
    assert.equal((await sshWhenUp(key, 'root', fixed, 'cat /proc/1/comm')).trim(), 'systemd');
    // Every unit came up: no mount, cgroup or service that a container cannot have failed.
    assert.equal((await ssh(key, 'root', fixed, 'systemctl is-system-running --wait')).trim(), 'running');
    assert.match(await ssh(key, 'root', fixed, 'systemctl is-active ssh'), /^active/);
    assert.equal((await ssh(key, 'root', fixed, 'hostname')).trim(), 'vps1');
    // The console log shows the machine's boot, as a VM's serial console would.
    assert.match(await os('console', 'log', 'show', 'vps1'), /Welcome to .*Debian GNU\/Linux 12/);
  });

  it('is reachable with ssh through a floating IP on the host loopback', async () => {
    await os('network', 'create', '--external', 'public');
    await os('subnet', 'create', '--network', 'public', '--subnet-range', '127.0.151.0/24', 'public-sub');
    const fip = json<{ floating_ip_address: string }>(await os('floating', 'ip', 'create', 'public', '-f', 'json'));
    await os('server', 'add', 'floating', 'ip', 'vps1', fip.floating_ip_address);
    assert.equal((await sshWhenUp(key, 'root', fip.floating_ip_address, 'cat /proc/1/comm', 30_000)).trim(), 'systemd');
    // A key that is not the server's is refused.
    const stranger = await makeKeyPair(work, 'stranger');
    await assert.rejects(ssh(stranger, 'root', fip.floating_ip_address, 'true'), /Permission denied/);
    await os('server', 'remove', 'floating', 'ip', 'vps1', fip.floating_ip_address);
    await os('floating', 'ip', 'delete', fip.floating_ip_address);
  });

  it('shows the flavor (512 MB, 1 vCPU) to free and nproc inside, not the host', async () => {
    const total = Number(/^Mem:\s+(\d+)/m.exec(await ssh(key, 'root', fixed, 'free -m'))?.[1]);
    assert.ok(total > 480 && total <= 512, `free -m reports ${total} MB total`);
    assert.equal((await ssh(key, 'root', fixed, 'nproc')).trim(), '1');
    assert.equal((await ssh(key, 'root', fixed, 'grep -c ^processor /proc/cpuinfo')).trim(), '1');
    // The uptime is the server's own, not the host's.
    const uptime = Number((await ssh(key, 'root', fixed, 'cut -d. -f1 /proc/uptime')).trim());
    assert.ok(uptime < 600, `uptime ${uptime} s`);
  });

  it('shows a resized flavor (m1.medium: 4096 MB, 2 vCPUs) inside at once, without a reboot', async () => {
    await os('server', 'resize', '--flavor', 'm1.medium', '--wait', 'vps1');
    await os('server', 'resize', 'confirm', 'vps1');
    const uptime = Number((await ssh(key, 'root', fixed, 'cut -d. -f1 /proc/uptime')).trim());
    const total = Number(/^Mem:\s+(\d+)/m.exec(await ssh(key, 'root', fixed, 'free -m'))?.[1]);
    assert.ok(total > 4000 && total <= 4096, `free -m reports ${total} MB total`);
    assert.equal((await ssh(key, 'root', fixed, 'nproc')).trim(), String(Math.min(2, osModule.cpus().length)));
    assert.ok(Number((await ssh(key, 'root', fixed, 'cut -d. -f1 /proc/uptime')).trim()) >= uptime, 'the server did not reboot');
  });

  it('powers off with a clean systemd halt and boots again on start', async () => {
    await os('server', 'stop', 'vps1');
    await waitForStatus('vps1', 'SHUTOFF');
    const stopped = json<Array<{ State: { ExitCode: number } }>>((await runCli(cloud.dataDir, ['inspect', `instance-${serverId}`])).stdout)[0]!;
    assert.equal(stopped.State.ExitCode, 0, 'systemd halted by itself on SIGRTMIN+3, it was not killed');
    await os('server', 'start', 'vps1');
    await waitForStatus('vps1', 'ACTIVE');
    assert.equal((await sshWhenUp(key, 'root', fixed, 'systemctl is-system-running --wait')).trim(), 'running');
  });

  it('boots system mode from the flavor extra spec intermodal:init=system too', async () => {
    await os('image', 'create', '--file', path.join(process.env.INTERMODAL_TEMPLATE_IMAGES ?? '/var/lib/intermodal/template-images', 'debian-system.tar'),
      '--container-format', 'docker', '--disk-format', 'raw', 'debian-plain');
    await os('flavor', 'create', '--ram', '512', '--vcpus', '1', '--disk', '1', '--property', 'intermodal:init=system', 'vps.tiny');
    const server = json<{ id: string; status: string }>(await os('server', 'create', '--image', 'debian-plain', '--flavor', 'vps.tiny', '--key-name', 'customer', '--network', 'vps-net', '--wait', 'vps2', '-f', 'json'));
    assert.equal(server.status, 'ACTIVE');
    const address = await addressOf(cloud, 'vps2', 'vps-net');
    assert.equal((await sshWhenUp(key, 'root', address, 'cat /proc/1/comm')).trim(), 'systemd');
    const { Id, State } = await container(server.id);
    await os('server', 'delete', '--wait', 'vps2');
    assert.deepEqual(hostTraces(Id, State.Pid), []);
  });

  it('leaves no process, mount or cgroup behind when the server is deleted', async () => {
    const { Id, State } = await container(serverId);
    assert.ok(State.Pid > 0);
    assert.ok(hostTraces(Id, State.Pid).length > 0, 'a running server has traces to look for');
    await os('server', 'delete', '--wait', 'vps1');
    assert.deepEqual(hostTraces(Id, State.Pid), []);
    assert.deepEqual((await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.trim(), '');
  });
});
