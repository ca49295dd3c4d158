/**
 * `openstack stack update` with the real heat client: a changed parameter replaces only the
 * server that uses it (the other keeps its id), `--existing` changes metadata in place,
 * a failing update with `--rollback enabled` puts the previous server back, and the
 * dry-runs of create and update say what would happen without doing it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

const template = `heat_template_version: 2018-08-31
parameters:
  web_image: { type: string, default: bb }
  motd: { type: string, default: hello }
resources:
  db:
    type: OS::Nova::Server
    properties: { image: bb, flavor: m1.tiny, metadata: { motd: { get_param: motd } } }
  web:
    type: OS::Nova::Server
    properties: { image: { get_param: web_image }, flavor: m1.tiny, metadata: { db: { get_resource: db } } }
outputs:
  web_id: { value: { get_resource: web } }
`;

type Resource = { resource_name: string; physical_resource_id: string; resource_status: string };

describe('stack update with the real heat client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  let file: string;
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-q'])).stdout.split('\n').filter(Boolean);
  const resources = async (stack: string) => Object.fromEntries((JSON.parse(await cloud.openstack(['stack', 'resource', 'list', stack, '-f', 'json'])) as Resource[]).map((r) => [r.resource_name, r]));
  const servers = async () => (JSON.parse(await cloud.openstack(['server', 'list', '-f', 'json'])) as Array<{ ID: string; Status: string }>);
  const statusOf = async (stack: string) => JSON.parse(await cloud.openstack(['stack', 'show', stack, '-f', 'json'])).stack_status as string;

  before(async () => {
    cloud = await startTestCloud('heat-update');
    work = makeTempDir('heat-update-work');
    const archive = makeServerImage(work);
    for (const name of ['bb', 'bb2']) await cloud.openstack(['image', 'create', '--file', archive, '--container-format', 'docker', '--disk-format', 'raw', name]);
    await cloud.openstack(['image', 'create', '--file', makeServerImage(path.join(work, 'bad'), { cmd: ['/bin/sh', '-c', 'echo cannot-start; exit 4'], tag: 'bad:1' }), '--container-format', 'docker', '--disk-format', 'raw', 'bad']);
    file = path.join(work, 'app.yaml');
    fs.writeFileSync(file, template);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('previews a create without creating anything', async () => {
    const preview = JSON.parse(await cloud.openstack(['stack', 'create', '--dry-run', '-t', file, 'app', '-f', 'json'])) as { resources: string };
    // The client prints the resources as a JSON string.
    const planned = JSON.parse(preview.resources) as Array<{ resource_name: string; resource_type: string }>;
    assert.deepEqual(planned.map((r) => `${r.resource_name}:${r.resource_type}`).sort(), ['db:OS::Nova::Server', 'web:OS::Nova::Server']);
    assert.deepEqual(JSON.parse(await cloud.openstack(['stack', 'list', '-f', 'json'])), []);
    assert.deepEqual(await servers(), []);
  });

  it('replaces only the server whose parameter changed, and updates metadata in place with --existing', async () => {
    await cloud.openstack(['stack', 'create', '-t', file, '--wait', '--poll', '1', 'app']);
    const first = await resources('app');

    const dry = JSON.parse(await cloud.openstack(['stack', 'update', '--dry-run', '-t', file, '--parameter', 'web_image=bb2', 'app', '-f', 'json'])) as Record<string, string>;
    assert.match(dry.replaced!, /"web"/);
    assert.match(dry.unchanged!, /"db"/);
    assert.equal((await resources('app')).web!.physical_resource_id, first.web!.physical_resource_id, 'a dry run changes nothing');

    await cloud.openstack(['stack', 'update', '-t', file, '--parameter', 'web_image=bb2', '--wait', 'app']);
    assert.equal(await statusOf('app'), 'UPDATE_COMPLETE');
    const second = await resources('app');
    assert.equal(second.db!.physical_resource_id, first.db!.physical_resource_id, 'the untouched server keeps its id');
    assert.notEqual(second.web!.physical_resource_id, first.web!.physical_resource_id, 'the server whose image changed was replaced');
    const web = JSON.parse(await cloud.openstack(['server', 'show', second.web!.physical_resource_id, '-f', 'json'])) as { status: string; image: string };
    assert.equal(web.status, 'ACTIVE');
    assert.match(web.image, /bb2/);
    assert.deepEqual((await servers()).map((s) => s.ID).sort(), [second.db!.physical_resource_id, second.web!.physical_resource_id].sort(), 'the old web server is gone');
    assert.equal((await containers()).length, 2);
    assert.equal(JSON.parse(await cloud.openstack(['stack', 'output', 'show', 'app', 'web_id', '-f', 'json'])).output_value, second.web!.physical_resource_id);

    await cloud.openstack(['stack', 'update', '--existing', '--parameter', 'motd=changed', '--wait', 'app']);
    const third = await resources('app');
    assert.equal(third.db!.physical_resource_id, first.db!.physical_resource_id, 'metadata changes in place');
    assert.equal(third.web!.physical_resource_id, second.web!.physical_resource_id);
    const db = JSON.parse(await cloud.openstack(['server', 'show', third.db!.physical_resource_id, '-f', 'json'])) as { properties: unknown };
    assert.match(JSON.stringify(db.properties), /changed/);
    const params = JSON.parse(await cloud.openstack(['stack', 'show', 'app', '-f', 'json'])).parameters as Record<string, string>;
    assert.equal(params.web_image, 'bb2', '--existing keeps the parameters it was not given');
  });

  it('rolls a failed update back to the previous server', async () => {
    const before = await resources('app');
    await assert.rejects(cloud.openstack(['stack', 'update', '--existing', '--rollback', 'enabled', '--parameter', 'web_image=bad', '--wait', 'app']), /UPDATE_FAILED|cannot-start|code 4/);
    let status = await statusOf('app');
    for (let i = 0; i < 100 && (status.endsWith('IN_PROGRESS') || status === 'UPDATE_FAILED'); i++) {
      await new Promise((r) => setTimeout(r, 300));
      status = await statusOf('app');
    }
    assert.equal(status, 'ROLLBACK_COMPLETE');
    const after = await resources('app');
    assert.equal(after.web!.physical_resource_id, before.web!.physical_resource_id);
    assert.equal(after.db!.physical_resource_id, before.db!.physical_resource_id);
    assert.deepEqual((await servers()).map((s) => s.Status), ['ACTIVE', 'ACTIVE']);
    const params = JSON.parse(await cloud.openstack(['stack', 'show', 'app', '-f', 'json'])).parameters as Record<string, string>;
    assert.equal(params.web_image, 'bb2', 'rollback restores the previous parameters');

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'app']);
    assert.deepEqual(await servers(), []);
    for (let i = 0; i < 50 && (await containers()).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await containers(), []);
  });
});
