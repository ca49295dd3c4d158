/**
 * Availability zones as host groups, through the real `openstack` CLI: a cloud with two
 * compute hosts, this machine's engine in zone az-local and a private dockerd in zone
 * az-docker (compute-hosts.yaml). The zones list with their hosts, `--availability-zone`
 * places a server in that zone only (ZONE:HOST for admins), an unknown zone is refused
 * with Nova's 400, and a zone without room ends the build in ERROR with "No valid host".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type PrivateDockerd, startDockerd } from '../../../bench/lib/dockerd.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../../api/compute/cloud-images.js';

type Json = Record<string, any>;

describe('availability zones: compute hosts grouped by zone (openstack CLI, local engine + private dockerd)', function () {
  this.timeout(300_000);
  let work: string;
  let dockerd: PrivateDockerd | undefined;
  let cloud: TestCloud | undefined;
  let imageId: string;
  /** The daemon's PID while the last test holds it frozen (SIGSTOP: a host that stops answering). */
  let frozen: number | undefined;

  before(async function () {
    work = makeTempDir('az-hosts');
    const started = await startDockerd(path.join(work, 'dockerd'));
    if (!('docker' in started)) {
      console.log(`      skipped: dockerd cannot start here: ${started.reason}`);
      this.skip();
    }
    dockerd = started;
    const socket = path.join(work, 'dockerd', 'docker.sock');
    cloud = await startTestCloud('az-hosts', {
      beforeStart: (dataDir) => fs.writeFileSync(path.join(dataDir, 'compute-hosts.yaml'), [
        'compute_hosts:',
        '  - {name: here, driver: local, availability_zone: az-local}',
        `  - {name: dock, driver: docker, endpoint: "unix://${socket}", availability_zone: az-docker}`, '',
      ].join('\n')),
    });
    imageId = (JSON.parse(await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', '--public', 'bb', '-f', 'json'])) as Json).id;
  });
  after(async () => {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
    if (dockerd) {
      const left = dockerd.docker(['ps', '-aq']).split('\n').filter(Boolean);
      if (left.length > 0) dockerd.docker(['rm', '-f', ...left]);
    }
    await cloud?.stop();
    await dockerd?.stop();
    if (work) removeTempDir(work);
  });

  const onDaemon = (): string[] => dockerd!.docker(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean);
  // The NAMES column of our engine's `ps -a` table.
  const inEngine = async (): Promise<string[]> => (await runCli(cloud!.dataDir, ['ps', '-a'])).stdout.split('\n').slice(1).filter(Boolean).map((l) => l.trim().split(/\s+/).pop()!);
  const show = async (name: string): Promise<Json> => JSON.parse(await cloud!.openstack(['server', 'show', name, '-f', 'json'])) as Json;
  const create = async (name: string, extra: string[]): Promise<Json> =>
    JSON.parse(await cloud!.openstack(['server', 'create', '--image', imageId, '--flavor', 'm1.tiny', ...extra, name, '-f', 'json'])) as Json;
  const until = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      if (await probe()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    // What the API saw, for whoever reads a failure.
    console.log(fs.readFileSync(path.join(cloud!.dataDir, 'api.log'), 'utf8').split('\n').slice(-30).join('\n'));
    throw new Error(`timed out waiting for ${what}`);
  };

  it('lists each zone with its hosts; the detail is for admins, others get the plain list', async () => {
    const rows = JSON.parse(await cloud!.openstack(['availability', 'zone', 'list', '--compute', '--long', '-f', 'json'])) as Json[];
    assert.deepEqual(rows.map((r) => [r['Zone Name'], r['Zone Status'], r['Host Name'], r['Service Name']]), [
      ['az-local', 'available', 'here', 'nova-compute'],
      ['az-docker', 'available', 'dock', 'nova-compute'],
    ]);
    const services = JSON.parse(await cloud!.openstack(['compute', 'service', 'list', '-f', 'json'])) as Json[];
    assert.deepEqual(services.map((r) => [r.Binary, r.Host, r.Zone, r.Status, r.State]), [
      ['nova-compute', 'here', 'az-local', 'enabled', 'up'],
      ['nova-compute', 'dock', 'az-docker', 'enabled', 'up'],
    ]);
    const aggregate = JSON.parse(await cloud!.openstack(['aggregate', 'show', 'az-docker', '-f', 'json'])) as Json;
    assert.equal(aggregate.availability_zone, 'az-docker');
    assert.deepEqual(aggregate.hosts, ['dock'], 'a zone is an aggregate of its hosts, as Nova models it');
    await assert.rejects(cloud!.openstack(['aggregate', 'create', '--zone', 'az-new', 'agg']), /501.*configured in compute-hosts\.yaml/s);
    await cloud!.openstack(['project', 'create', 'az-tenant']);
    await cloud!.openstack(['user', 'create', '--project', 'az-tenant', '--password', 'pw-z', 'zed']);
    await cloud!.openstack(['role', 'add', '--project', 'az-tenant', '--user', 'zed', 'member']);
    const zed = { username: 'zed', password: 'pw-z', project: 'az-tenant' };
    const plain = JSON.parse(await cloud!.openstack(['availability', 'zone', 'list', '--compute', '--long', '-f', 'json'], zed)) as Json[];
    assert.deepEqual(plain.map((r) => [r['Zone Name'], r['Host Name']]), [['az-local', ''], ['az-docker', '']], 'a member sees the zones, not the hosts');
    const token = await cloud!.token('zed', 'pw-z', 'az-tenant');
    assert.equal((await cloud!.request('GET', '/compute/v2.1/os-availability-zone/detail', { token })).status, 403);
    // Forcing a host is an admin's call, as Nova's forced_host policy.
    await assert.rejects(cloud!.openstack(['server', 'create', '--image', imageId, '--flavor', 'm1.tiny', '--availability-zone', 'az-docker:dock', 'forced', '-f', 'json'], zed), /forced_host/);
    assert.deepEqual(JSON.parse(await cloud!.openstack(['server', 'list', '--all-projects', '-f', 'json'])), [], 'a refused create records nothing');
  });

  it('places a server in the zone asked for, shows the zone it landed in, and honours ZONE:HOST for admins', async () => {
    // Without a zone the first server goes to the first host with room (the local engine).
    await create('anywhere', ['--wait']);
    assert.deepEqual(await inEngine(), [`instance-${(await show('anywhere')).id}`]);
    assert.equal((await show('anywhere'))['OS-EXT-AZ:availability_zone'], 'az-local', 'the zone of the host it landed on');
    // The docker host now has fewer instances, but the zone decides: az-local holds it.
    const local2 = await create('local-2', ['--availability-zone', 'az-local', '--wait']);
    assert.equal(local2['OS-EXT-AZ:availability_zone'], 'az-local');
    assert.equal((await inEngine()).length, 2);
    assert.deepEqual(onDaemon(), []);
    const docked = await create('docked', ['--availability-zone', 'az-docker', '--wait']);
    assert.equal(docked.status, 'ACTIVE');
    assert.equal(docked['OS-EXT-AZ:availability_zone'], 'az-docker');
    assert.deepEqual(onDaemon(), [`instance-${docked.id}`], 'the server is a container on the docker host');
    const forced = await create('forced', ['--availability-zone', 'az-local:here', '--wait']);
    assert.equal(forced['OS-EXT-AZ:availability_zone'], 'az-local');
    assert.ok((await inEngine()).includes(`instance-${forced.id}`));
    const listed = JSON.parse(await cloud!.openstack(['server', 'list', '--long', '-f', 'json'])) as Json[];
    assert.deepEqual(Object.fromEntries(listed.map((s) => [s.Name, [s['Availability Zone'], s.Host]])), {
      anywhere: ['az-local', 'here'], 'local-2': ['az-local', 'here'], docked: ['az-docker', 'dock'], forced: ['az-local', 'here'],
    }, 'each server shows its zone and the host it landed on');
    const inZone = JSON.parse(await cloud!.openstack(['server', 'list', '--availability-zone', 'az-docker', '-f', 'json'])) as Json[];
    assert.deepEqual(inZone.map((s) => s.Name), ['docked'], 'an admin lists the servers of one zone');
    const shown = await show('docked');
    assert.equal(shown['OS-EXT-SRV-ATTR:hypervisor_hostname'], 'dock');
    assert.notEqual(shown.hostId, (await show('forced')).hostId, 'servers of one project on two hosts have two hostIds');
    await cloud!.openstack(['server', 'delete', '--wait', 'anywhere', 'local-2', 'docked', 'forced']);
    assert.deepEqual(onDaemon(), []);
    assert.deepEqual(await inEngine(), []);
  });

  it('refuses an unknown zone or host with 400 and records nothing', async () => {
    await assert.rejects(create('nowhere', ['--availability-zone', 'az-mars']), /The requested availability zone is not available.*\(HTTP 400\)/s);
    await assert.rejects(create('nowhere', ['--availability-zone', 'nova']), /The requested availability zone is not available/, 'no host is left in the default zone');
    await assert.rejects(create('nowhere', ['--availability-zone', 'az-local:dock']), /Compute host dock is not in availability zone az-local.*\(HTTP 400\)/s);
    await assert.rejects(create('nowhere', ['--availability-zone', 'az-local:ghost']), /Compute host ghost could not be found/);
    assert.deepEqual(JSON.parse(await cloud!.openstack(['server', 'list', '-f', 'json'])), []);
  });

  it('ends a build in ERROR with "No valid host was found" when the zone has no room', async () => {
    // More vCPUs than the docker host can give (its cores times Nova's 16x overcommit).
    const cores = Number(dockerd!.docker(['info', '--format', '{{.NCPU}}']).trim());
    await cloud!.openstack(['quota', 'set', '--cores', String(cores * 64), '--ram', '1000000', 'admin']);
    await cloud!.openstack(['flavor', 'create', '--vcpus', String(cores * 16 + 1), '--ram', '64', '--disk', '0', 'too-wide']);
    await cloud!.openstack(['server', 'create', '--image', imageId, '--flavor', 'too-wide', '--availability-zone', 'az-docker', 'wide']);
    await until('ERROR', async () => (await show('wide')).status === 'ERROR');
    const fault = (await show('wide')).fault as Json;
    assert.equal(fault.code, 500);
    assert.match(fault.message, /No valid host was found\. There are not enough hosts available in availability zone 'az-docker'/);
    assert.deepEqual(onDaemon(), [], 'nothing was created on the zone\'s host');
    assert.deepEqual(await inEngine(), [], 'nor on a host of another zone');
    await cloud!.openstack(['server', 'delete', '--wait', 'wide']);
  });

  it('shows a host that stops answering as down, and its servers as NOSTATE, while the API keeps serving; back when it answers', async () => {
    await create('docked-2', ['--availability-zone', 'az-docker', '--wait']);
    await create('local-3', ['--availability-zone', 'az-local', '--wait']);
    // Nova's power states as the client's JSON gives them: 1 running, 0 NOSTATE.
    assert.equal((await show('docked-2'))['OS-EXT-STS:power_state'], 1);
    // Frozen, not stopped: a stopping daemon first stops its containers, which would read SHUTOFF, not unknown.
    frozen = Number(fs.readFileSync(path.join(work, 'dockerd', 'docker.pid'), 'utf8').trim());
    process.kill(frozen, 'SIGSTOP');
    await until('the docker host\'s server to read NOSTATE', async () => (await show('docked-2'))['OS-EXT-STS:power_state'] === 0);
    const listed = JSON.parse(await cloud!.openstack(['server', 'list', '--long', '-f', 'json'])) as Json[];
    assert.deepEqual(Object.fromEntries(listed.map((s) => [s.Name, s['Power State']])), { 'docked-2': 0, 'local-3': 1 }, 'the list still answers, the other host\'s server unchanged');
    const rows = JSON.parse(await cloud!.openstack(['availability', 'zone', 'list', '--compute', '--long', '-f', 'json'])) as Json[];
    assert.deepEqual(rows.map((r) => [r['Zone Name'], r['Zone Status'], r['Host Name'], r['Service Status'].split(' ').slice(0, 2).join(' ')]), [
      ['az-local', 'available', 'here', 'enabled :-)'],
      ['az-docker', 'not available', 'dock', 'enabled XXX'],
    ]);
    const services = JSON.parse(await cloud!.openstack(['compute', 'service', 'list', '-f', 'json'])) as Json[];
    assert.deepEqual(services.map((r) => [r.Host, r.State]), [['here', 'up'], ['dock', 'down']]);
    // New servers go where a host answers; a zone whose hosts do not answer has no valid host.
    await cloud!.openstack(['server', 'create', '--image', imageId, '--flavor', 'm1.tiny', '--availability-zone', 'az-docker', 'stranded']);
    await until('ERROR', async () => (await show('stranded')).status === 'ERROR');
    assert.match((await show('stranded')).fault.message, /No valid host was found.*dock: not answering/);
    await cloud!.openstack(['server', 'delete', '--wait', 'local-3', 'stranded']);
    process.kill(frozen, 'SIGCONT');
    frozen = undefined;
    await until('the thawed host\'s server to read Running again', async () => (await show('docked-2'))['OS-EXT-STS:power_state'] === 1);
    await cloud!.openstack(['server', 'delete', '--wait', 'docked-2']);
    assert.deepEqual(onDaemon(), []);
  });
});
