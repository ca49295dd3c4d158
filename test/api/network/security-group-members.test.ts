/**
 * Membership of a security group as servers see it: servers that join the default group one
 * after another all admit each other (its "ingress from the same group" rule), over real TCP
 * between the containers; a server moved out of the group by a port update, or deleted, is
 * no longer admitted by the others, even when a server outside the group takes over the
 * deleted one's address. A member's table learns of joins and departures through its remote
 * group's set (security-group-firewall.ts), so these check that set is kept exact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from './network-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;
const members = ['m1', 'm2', 'm3', 'm4', 'm5'];

describe('security group membership', function () {
  this.timeout(900_000);
  let cloud: TestCloud;
  let work: string;
  let webScript: string;
  const ids: Record<string, string> = {};
  const addresses: Record<string, string> = {};

  const os = (...args: string[]) => cloud.openstack(args);
  const boot = async (name: string, ...args: string[]) => {
    const s = json<{ id: string; status: string; addresses: Record<string, string[]> | string }>(
      await os('server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', '--user-data', webScript, ...args, '--wait', name, '-f', 'json'));
    assert.equal(s.status, 'ACTIVE');
    ids[name] = s.id;
    addresses[name] = /10\.231\.61\.\d+/.exec(JSON.stringify(s.addresses))![0];
  };
  const exec = (server: string, ...cmd: string[]) => runCli(cloud.dataDir, ['exec', `instance-${ids[server]}`, ...cmd]);
  /** Whether `from` gets `to`'s web page (each server serves its own name), over TCP to its address. */
  const admits = async (to: string, from: string) => {
    // busybox-static's wget crashes (glibc's static resolver); nc speaks the HTTP request instead.
    const out = (await exec(from, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${addresses[to]} 80`)).stdout;
    return out.includes(`page-of-${to}`);
  };
  /** Waits until `server`'s boot script has its web server up (seen from inside the server). */
  const serving = async (server: string) => {
    for (let i = 0; i < 60; i++) {
      if ((await exec(server, 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 127.0.0.1 80`)).stdout.includes('page-of-')) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.fail(`${server} never served its page`);
  };

  before(async () => {
    cloud = await startTestCloud('sg-members');
    work = makeTempDir('sg-members-work');
    webScript = path.join(work, 'web.sh');
    fs.writeFileSync(webScript, '#!/bin/sh\nmkdir -p /www && echo "page-of-$(hostname)" > /www/index.html && httpd -p 80 -h /www\n');
    await os('image', 'create', '--public', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb');
    await os('network', 'create', 'grp');
    await os('subnet', 'create', '--network', 'grp', '--subnet-range', '10.231.61.0/24', 'grp-sub');
    // Egress only (what a new group has): its servers admit no one.
    await os('security', 'group', 'create', 'outsider');
    for (const m of members) await boot(m, '--network', 'grp');
    for (const m of members) await serving(m);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('has every member of the default group admit every other member, the early ones the later ones too', async () => {
    const refused: string[] = [];
    for (const to of members) for (const from of members) if (to !== from && !(await admits(to, from))) refused.push(`${from} → ${to}`);
    assert.deepEqual(refused, [], 'every member reaches every other member on port 80');
  });

  it('no longer admits a member moved out of the group by a port update, and the rest still admit each other', async () => {
    const ports = json<Array<{ ID: string }>>(await os('port', 'list', '--server', ids.m5!, '-f', 'json'));
    assert.equal(ports.length, 1);
    await os('port', 'set', '--no-security-group', '--security-group', 'outsider', ports[0]!.ID);
    for (const to of ['m1', 'm2', 'm3', 'm4']) assert.equal(await admits(to, 'm5'), false, `${to} refuses m5, out of the group`);
    assert.equal(await admits('m5', 'm1'), false, 'm5, now an outsider, admits no one');
    assert.equal(await admits('m1', 'm2'), true, 'the members still admit each other');
    assert.equal(await admits('m4', 'm3'), true, 'the members still admit each other');
  });

  it('no longer admits a deleted member\'s address, taken over by a server outside the group', async () => {
    const network = json<{ id: string }>(await os('network', 'show', 'grp', '-f', 'json'));
    const freed = addresses.m4!;
    await os('server', 'delete', '--wait', 'm4');
    await boot('heir', '--nic', `net-id=${network.id},v4-fixed-ip=${freed}`, '--security-group', 'outsider');
    assert.equal(addresses.heir, freed, 'the outsider has the deleted member\'s address');
    await serving('heir');
    for (const to of ['m1', 'm2', 'm3']) assert.equal(await admits(to, 'heir'), false, `${to} refuses the address its departed member had`);
    assert.equal(await admits('m1', 'm3'), true, 'the members still admit each other');
  });
});
