/**
 * Heat with the real heat client (`openstack stack ...`): a stack of servers linked by
 * get_resource/get_attr created with --wait, its outputs, resources and events, delete
 * --wait leaving nothing; refusals (cycle, unknown type) that create nothing; a failed
 * server rolled back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

const twoTier = `heat_template_version: 2018-08-31
description: a web server that knows its database
parameters:
  flavor: { type: string, default: m1.tiny }
resources:
  db_password:
    type: OS::Heat::RandomString
    properties: { length: 16 }
  db:
    type: OS::Nova::Server
    properties:
      image: bb
      flavor: { get_param: flavor }
      metadata: { password: { get_attr: [db_password, value] } }
  web:
    type: OS::Nova::Server
    properties:
      image: bb
      flavor: { get_param: flavor }
      metadata: { database: { get_resource: db } }
outputs:
  db_id: { value: { get_resource: db } }
  web_name: { value: { get_attr: [web, name] } }
`;

describe('orchestration with the real heat client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);

  before(async () => {
    cloud = await startTestCloud('heat-cli');
    work = makeTempDir('heat-cli-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
    await cloud.openstack(['image', 'create', '--file', makeServerImage(path.join(work, 'bad'), { cmd: ['/bin/sh', '-c', 'echo cannot-start; exit 4'], tag: 'bad:1' }), '--container-format', 'docker', '--disk-format', 'raw', 'bad']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('creates a linked stack with --wait, shows outputs, resources and events, and deletes it to nothing', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('two-tier.yaml', twoTier), '--wait', 'shop']);
    const stack = JSON.parse(await cloud.openstack(['stack', 'show', 'shop', '-f', 'json'])) as { id: string; stack_status: string };
    assert.equal(stack.stack_status, 'CREATE_COMPLETE');
    const resources = JSON.parse(await cloud.openstack(['stack', 'resource', 'list', 'shop', '-f', 'json'])) as Array<{ resource_name: string; physical_resource_id: string; resource_status: string }>;
    assert.deepEqual(resources.map((r) => `${r.resource_name}:${r.resource_status}`).sort(), ['db:CREATE_COMPLETE', 'db_password:CREATE_COMPLETE', 'web:CREATE_COMPLETE']);
    const dbId = JSON.parse(await cloud.openstack(['stack', 'output', 'show', 'shop', 'db_id', '-f', 'json'])).output_value;
    assert.equal(dbId, resources.find((r) => r.resource_name === 'db')!.physical_resource_id);
    const web = JSON.parse(await cloud.openstack(['server', 'show', resources.find((r) => r.resource_name === 'web')!.physical_resource_id, '-f', 'json'])) as { properties: unknown; status: string };
    assert.equal(web.status, 'ACTIVE');
    assert.match(JSON.stringify(web.properties), new RegExp(dbId), 'web was given the database server id');
    const events = JSON.parse(await cloud.openstack(['stack', 'event', 'list', 'shop', '-f', 'json'])) as Array<{ resource_name: string; resource_status: string }>;
    assert.ok(events.some((e) => e.resource_name === 'shop' && e.resource_status === 'CREATE_COMPLETE'));
    assert.equal((await containers()).length, 2);

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'shop']);
    assert.deepEqual(JSON.parse(await cloud.openstack(['stack', 'list', '-f', 'json'])), []);
    assert.deepEqual(JSON.parse(await cloud.openstack(['server', 'list', '-f', 'json'])), []);
    assert.deepEqual(await containers(), []);
  });

  it('refuses a cycle and an unknown type with a clear message, creating nothing', async () => {
    const cycle = `heat_template_version: 2018-08-31
resources:
  a: { type: OS::Heat::Value, properties: { value: { get_attr: [b, value] } } }
  b: { type: OS::Heat::Value, properties: { value: { get_attr: [a, value] } } }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('cycle.yaml', cycle), 'loop']), /circular dependency.*a -> b -> a|b -> a -> b/);
    const unknown = `heat_template_version: 2018-08-31
resources:
  x: { type: OS::Nowhere::Thing }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('unknown.yaml', unknown), 'mystery']), /OS::Nowhere::Thing/);
    assert.deepEqual(JSON.parse(await cloud.openstack(['stack', 'list', '-f', 'json'])), []);
  });

  it('rolls back a stack whose server fails, leaving no server behind', async () => {
    const failing = `heat_template_version: 2018-08-31
resources:
  good: { type: OS::Nova::Server, properties: { image: bb, flavor: m1.tiny } }
  broken: { type: OS::Nova::Server, properties: { image: bad, flavor: m1.tiny, metadata: { after: { get_resource: good } } } }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '--enable-rollback', '-t', file('failing.yaml', failing), '--wait', 'doomed']));
    let status = '';
    for (let i = 0; i < 100 && !status.endsWith('COMPLETE') && !status.endsWith('FAILED'); i++) {
      status = JSON.parse(await cloud.openstack(['stack', 'show', 'doomed', '-f', 'json'])).stack_status;
      if (status === 'ROLLBACK_IN_PROGRESS' || status === 'CREATE_FAILED') await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(status, 'ROLLBACK_COMPLETE');
    const reason = JSON.parse(await cloud.openstack(['stack', 'event', 'list', 'doomed', '-f', 'json'])) as Array<{ resource_name: string; resource_status: string; resource_status_reason: string }>;
    assert.match(reason.find((e) => e.resource_name === 'broken' && e.resource_status === 'CREATE_FAILED')!.resource_status_reason, /cannot-start|code 4/);
    for (let i = 0; i < 50 && (await containers()).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await containers(), []);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'doomed']);
  });

  it('validates a template and lists resource types', async () => {
    const out = JSON.parse(await cloud.openstack(['orchestration', 'template', 'validate', '-t', file('v.yaml', twoTier), '-f', 'json'])) as { Description: string; Parameters: Record<string, unknown> };
    assert.equal(out.Description, 'a web server that knows its database');
    assert.ok('flavor' in out.Parameters);
    const types = JSON.parse(await cloud.openstack(['orchestration', 'resource', 'type', 'list', '-f', 'json'])) as Array<{ 'Resource Type': string }>;
    assert.ok(types.some((t) => t['Resource Type'] === 'OS::Nova::Server'));
  });
});
