/**
 * OS::Glance::WebImage with the real heat client: an image imported from Debian's
 * docker-registry on loopback runs a container of the same stack; a reference the registry
 * does not have fails the resource with the reason and leaves no image; delete removes it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixtureImage, skopeoPush } from '../../engine/registry/registry-fixture.js';
import { type RegistryPeer, startRegistry } from '../../helpers/registry-peer.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';

describe('OS::Glance::WebImage with the real heat client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let registry: RegistryPeer;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json']));

  before(async () => {
    registry = await startRegistry();
    cloud = await startTestCloud('heat-image');
    work = makeTempDir('heat-image-work');
    skopeoPush(fixtureImage(work, 'heat').archive, `${registry.host}/heat/app:1`);
  });
  after(async () => {
    await cloud?.stop();
    await registry?.stop();
    if (work) removeTempDir(work);
  });

  it('imports an image from a registry and runs a container from it', async () => {
    const template = `heat_template_version: 2018-08-31
resources:
  app_image: { type: OS::Glance::WebImage, properties: { name: app, location: "docker://${registry.host}/heat/app:1" } }
  app:
    type: DockerInc::Docker::Container
    properties: { image: { get_resource: app_image }, cmd: [/bin/sh, -c, "echo from-imported-image; trap 'exit 0' TERM; while :; do sleep 1; done"] }
outputs:
  status: { value: { get_attr: [app_image, status] } }
  logs: { value: { get_attr: [app, logs] } }
`;
    await cloud.openstack(['stack', 'create', '-t', file('image.yaml', template), '--wait', '--poll', '1', 'imported']).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await json(['stack', 'show', 'imported'])).stack_status_reason}`);
    });
    assert.equal((await json(['stack', 'output', 'show', 'imported', 'status'])).output_value, 'active');
    const image = await json(['image', 'show', 'app']);
    assert.equal(image.status, 'active');
    assert.equal((await json(['stack', 'resource', 'show', 'imported', 'app'])).resource_status, 'CREATE_COMPLETE');
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('from-imported-image'); i++) {
      logs = (await json(['stack', 'output', 'show', 'imported', 'logs'])).output_value;
      if (!logs.includes('from-imported-image')) await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(logs, /from-imported-image/, 'a container of the stack runs the imported image');
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'imported']);
    assert.deepEqual(await json(['image', 'list']), []);
  });

  it('fails on a reference the registry does not have, leaving no image', async () => {
    const template = `heat_template_version: 2018-08-31
resources:
  missing: { type: OS::Glance::WebImage, properties: { location: "docker://${registry.host}/heat/absent:9" } }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('missing.yaml', template), '--wait', '--poll', '1', 'absent']));
    const events = (await json(['stack', 'event', 'list', 'absent'])) as Array<{ resource_name: string; resource_status: string; resource_status_reason: string }>;
    assert.match(events.find((e) => e.resource_name === 'missing' && e.resource_status === 'CREATE_FAILED')!.resource_status_reason, /absent/);
    assert.deepEqual(await json(['image', 'list']), []);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'absent']);
  });

  it('refuses a location that is not a registry reference, creating nothing', async () => {
    const template = `heat_template_version: 2018-08-31
resources:
  web: { type: OS::Glance::WebImage, properties: { location: "http://example.invalid/disk.qcow2" } }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('http.yaml', template), 'web']), /docker:\/\//);
    assert.deepEqual(await json(['stack', 'list']), []);
  });
});
