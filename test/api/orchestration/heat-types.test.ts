/**
 * Resource types with the real heat client: OS::Heat::ResourceGroup (index substitution,
 * refs and attributes, scaling down with removal_policies and up again), the software
 * configs booting a server (SoftwareConfig, CloudConfig, MultipartMime), a wait condition
 * an API restart interrupts (its signals are in wait-condition.test.ts), and OS::Nova::Flavor.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

const group = `heat_template_version: 2018-08-31
parameters:
  size: { type: number, default: 3 }
  removed: { type: comma_delimited_list, default: [] }
resources:
  workers:
    type: OS::Heat::ResourceGroup
    properties:
      count: { get_param: size }
      removal_policies: [{ resource_list: { get_param: removed } }]
      resource_def:
        type: OS::Nova::Server
        properties: { name: worker-%index%, image: bb, flavor: m1.tiny, metadata: { slot: "%index%" } }
outputs:
  refs: { value: { get_attr: [workers, refs] } }
  names: { value: { get_attr: [workers, name] } }
  by_index: { value: { get_attr: [workers, attributes, name] } }
  first: { value: { get_attr: [workers, resource.0, name] } }
`;

const configs = `heat_template_version: 2018-08-31
resources:
  script:
    type: OS::Heat::SoftwareConfig
    properties: { config: "#!/bin/sh\\necho script-part-ran\\n" }
  cloud:
    type: OS::Heat::CloudConfig
    properties:
      cloud_config:
        write_files: [{ path: /etc/motd-heat, content: "written by cloud-config\\n", permissions: "0600" }]
        runcmd: [[cat, /etc/motd-heat], "echo runcmd-ran"]
  mime:
    type: OS::Heat::MultipartMime
    properties:
      parts: [{ config: { get_resource: cloud } }, { config: { get_resource: script } }]
  box:
    type: OS::Nova::Server
    properties: { image: bb, flavor: m1.tiny, user_data_format: SOFTWARE_CONFIG, user_data: { get_resource: mime } }
outputs:
  mime: { value: { get_attr: [mime, config] } }
`;

const waiting = `heat_template_version: 2018-08-31
resources:
  handle: { type: OS::Heat::WaitConditionHandle }
  ready:
    type: OS::Heat::WaitCondition
    properties: { handle: { get_resource: handle }, count: 1, timeout: 120 }
outputs:
  data: { value: { get_attr: [ready, data] } }
`;

describe('resource types with the real heat client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json']));
  const output = async (stack: string, key: string) => (await json(['stack', 'output', 'show', stack, key])).output_value;
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  const curlCli = async (stack: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const resource = await json(['stack', 'resource', 'show', stack, 'handle']).catch(() => undefined);
      const cli = resource?.attributes?.curl_cli as string | undefined;
      if (cli) return cli;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the handle never showed curl_cli');
  };

  before(async () => {
    cloud = await startTestCloud('heat-types');
    work = makeTempDir('heat-types-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('creates a ResourceGroup with index substitution, scales it down by removal policy and up again', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('group.yaml', group), '--wait', '--poll', '1', 'pool']);
    const refs = await output('pool', 'refs') as string[];
    assert.equal(refs.length, 3);
    assert.deepEqual(await output('pool', 'names'), ['worker-0', 'worker-1', 'worker-2']);
    assert.deepEqual(await output('pool', 'by_index'), { 0: 'worker-0', 1: 'worker-1', 2: 'worker-2' });
    assert.equal(await output('pool', 'first'), 'worker-0');
    const servers = (await json(['server', 'list'])) as Array<{ ID: string; Name: string }>;
    assert.deepEqual(servers.map((s) => s.ID).sort(), [...refs].sort());
    assert.equal((await containers()).length, 3);
    const nested = (await json(['stack', 'resource', 'list', 'pool', '--nested-depth', '1'])) as Array<{ resource_name: string; physical_resource_id: string; resource_type: string; stack_name: string }>;
    const members = nested.filter((r) => r.resource_type === 'OS::Nova::Server');
    assert.deepEqual(members.map((r) => r.resource_name).sort(), ['0', '1', '2'], 'the members are listed as the group\'s nested resources');
    assert.deepEqual(members.map((r) => r.physical_resource_id).sort(), [...refs].sort());
    assert.ok(members.every((r) => r.stack_name.startsWith('pool-workers')));

    await cloud.openstack(['stack', 'update', '--existing', '--parameter', 'size=2', '--parameter', 'removed=1', '--wait', 'pool']);
    assert.deepEqual(await output('pool', 'names'), ['worker-0', 'worker-2']);
    const kept = await output('pool', 'refs') as string[];
    assert.deepEqual(kept, [refs[0], refs[2]], 'the kept members are the same servers');
    assert.equal((await json(['server', 'list'])).length, 2);

    await cloud.openstack(['stack', 'update', '--existing', '--parameter', 'size=3', '--wait', 'pool']);
    assert.deepEqual(await output('pool', 'names'), ['worker-0', 'worker-2', 'worker-3'], 'a removed index is not reused');

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'pool']);
    assert.deepEqual(await json(['server', 'list']), []);
    for (let i = 0; i < 50 && (await containers()).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await containers(), []);
  });

  it('boots a server from a MultipartMime of a CloudConfig and a SoftwareConfig', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('configs.yaml', configs), '--wait', '--poll', '1', 'booted']);
    assert.match(await output('booted', 'mime'), /multipart\/mixed[\s\S]*text\/cloud-config[\s\S]*text\/x-shellscript/);
    const box = (await json(['stack', 'resource', 'show', 'booted', 'box'])).physical_resource_id as string;
    let log = '';
    for (let i = 0; i < 50 && !/script-part-ran/.test(log); i++) {
      log = await cloud.openstack(['console', 'log', 'show', box]);
      if (!/script-part-ran/.test(log)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(log, /written by cloud-config[\s\S]*runcmd-ran[\s\S]*script-part-ran/, 'write_files, then runcmd, then the script part ran at boot');
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'booted']);
  });

  it('fails a stack left in progress by an API restart, so it can be deleted', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('wait.yaml', waiting), 'interrupted']);
    await curlCli('interrupted');
    await cloud.restart();
    const shown = await json(['stack', 'show', 'interrupted']);
    assert.equal(shown.stack_status, 'CREATE_FAILED');
    assert.match(shown.stack_status_reason, /API stopped/);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'interrupted']);
    assert.deepEqual(await json(['stack', 'list']), []);
  });

  it('creates and deletes a flavor as admin', async () => {
    const flavor = `heat_template_version: 2018-08-31
resources:
  big: { type: OS::Nova::Flavor, properties: { name: heat.big, ram: 1024, vcpus: 2, disk: 5, extra_specs: { tier: gold } } }
`;
    await cloud.openstack(['stack', 'create', '-t', file('flavor.yaml', flavor), '--wait', '--poll', '1', 'flavors']);
    const shown = await json(['flavor', 'show', 'heat.big']);
    assert.equal(shown.ram, 1024);
    assert.equal(shown.vcpus, 2);
    assert.match(JSON.stringify(shown.properties), /gold/);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'flavors']);
    await assert.rejects(cloud.openstack(['flavor', 'show', 'heat.big']));
  });
});
