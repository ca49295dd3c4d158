/**
 * Security groups are in force before a server's first instruction runs: a boot script that
 * connects out as the very first thing it does is refused when the server's group allows no
 * egress, and (the control) gets its answer when the group allows it. Before the pre-start
 * hook the rules came a moment after the start, and that first connection went through.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeNetworkImage } from './network-image.js';

const json = <T>(s: string): T => JSON.parse(s) as T;

describe('security groups applied before the server starts', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  const ids: Record<string, string> = {};

  const os = (...args: string[]) => cloud.openstack(args);
  const boot = async (name: string, ...args: string[]) => {
    const s = json<{ id: string; status: string }>(await os('server', 'create', '--image', 'netbb', '--flavor', 'm1.tiny', '--network', 'pre', ...args, '--wait', name, '-f', 'json'));
    assert.equal(s.status, 'ACTIVE');
    ids[name] = s.id;
    return s.id;
  };
  const exec = (server: string, ...cmd: string[]) => runCli(cloud.dataDir, ['exec', `instance-${ids[server]}`, ...cmd]);
  /** What the boot script's first connection got, once it has finished. */
  const firstTry = async (server: string) => {
    for (let i = 0; i < 60; i++) {
      const out = (await exec(server, 'cat', '/tmp/first-try')).stdout;
      if (out.includes('rc=')) return out;
      await sleep(500);
    }
    assert.fail(`${server}'s boot script did not finish its first connection`);
  };

  before(async () => {
    cloud = await startTestCloud('fw-before-start');
    work = makeTempDir('fw-before-start-work');
    await os('image', 'create', '--public', '--file', makeNetworkImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'netbb');
    await os('network', 'create', 'pre');
    await os('subnet', 'create', '--network', 'pre', '--subnet-range', '10.231.40.0/24', 'pre-sub');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('refuses the first outbound connection of a server whose group allows no egress', async () => {
    await os('security', 'group', 'create', 'open80');
    await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', '--remote-ip', '0.0.0.0/0', 'open80');
    const webScript = path.join(work, 'web.sh');
    fs.writeFileSync(webScript, '#!/bin/sh\nmkdir -p /www && echo hello-from-web > /www/index.html && httpd -p 80 -h /www\n');
    await boot('web', '--security-group', 'open80', '--user-data', webScript);
    const shown = json<{ addresses: Record<string, string[]> | string }>(await os('server', 'show', 'web', '-f', 'json'));
    const web = /10\.231\.40\.\d+/.exec(JSON.stringify(shown.addresses))![0];

    const group = json<{ id: string }>(await os('security', 'group', 'create', 'noegress', '-f', 'json'));
    const rules = json<Array<{ ID: string; Direction: string }>>(await os('security', 'group', 'rule', 'list', group.id, '-f', 'json'));
    for (const r of rules.filter((rule) => rule.Direction === 'egress')) await os('security', 'group', 'rule', 'delete', r.ID);

    // The first thing each instance runs: one HTTP request to web, its outcome kept in a file.
    const probe = path.join(work, 'probe.sh');
    fs.writeFileSync(probe, `#!/bin/sh\nprintf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${web} 80 > /tmp/first-try 2>&1; echo "rc=$?" >> /tmp/first-try\n`);
    await boot('control', '--user-data', probe);
    await boot('closed', '--security-group', 'noegress', '--user-data', probe);

    assert.match(await firstTry('control'), /hello-from-web/, 'a group that allows egress lets the very first connection through');
    assert.doesNotMatch(await firstTry('closed'), /hello-from-web/, 'no egress rule: the first connection is refused, not let through before the rules come');
  });
});
