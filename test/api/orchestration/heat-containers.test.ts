/**
 * Container resource types with the real heat client: DockerInc::Docker::Container with a
 * command and environment (docker_endpoint ignored with a warning), OS::Zun::Container
 * updated in place (name, memory: same container, new limit), a container that exits at
 * once failing its resource with its last output, and nothing left after delete.
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
  zun_memory: { type: number, default: 64 }
  zun_name: { type: string, default: zun-one }
resources:
  docker:
    type: DockerInc::Docker::Container
    properties:
      docker_endpoint: tcp://somewhere:2375
      image: bb
      env: [GREETING=hi]
      cmd: [/bin/sh, -c, "echo docker-says-$GREETING; trap 'exit 0' TERM; while :; do sleep 1; done"]
  zun:
    type: OS::Zun::Container
    properties:
      image: bb
      name: { get_param: zun_name }
      memory: { get_param: zun_memory }
      environment: { WHO: zun }
      command: "/bin/sh -c 'echo hello-from-$WHO; trap \\"exit 0\\" TERM; while :; do sleep 1; done'"
outputs:
  docker_logs: { value: { get_attr: [docker, logs] } }
  zun_logs: { value: { get_attr: [zun, logs] } }
  zun_info: { value: { get_attr: [zun, info] } }
  zun_name: { value: { get_attr: [zun, name] } }
`;

describe('container resource types with the real heat client', function () {
  this.timeout(300_000);
  let cloud: TestCloud;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json']));
  const output = async (stack: string, key: string) => (await json(['stack', 'output', 'show', stack, key])).output_value;
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);

  before(async () => {
    cloud = await startTestCloud('heat-containers');
    work = makeTempDir('heat-containers-work');
    await cloud.openstack(['image', 'create', '--file', makeServerImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'bb']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('runs Docker and Zun containers with their commands and environment, and resizes the Zun one in place', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('containers.yaml', template), '--wait', '--poll', '1', 'boxes']);
    assert.equal((await containers()).length, 2);
    assert.deepEqual(await json(['server', 'list']), [], 'containers are not Nova servers');
    let logs = '';
    for (let i = 0; i < 50 && !(/docker-says-hi/.test(logs) && /hello-from-zun/.test(logs)); i++) {
      logs = `${await output('boxes', 'docker_logs')} ${await output('boxes', 'zun_logs')}`;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(logs, /docker-says-hi/);
    assert.match(logs, /hello-from-zun/);
    const events = (await json(['stack', 'event', 'list', 'boxes'])) as Array<{ resource_name: string; resource_status: string; resource_status_reason: string }>;
    assert.match(events.find((e) => e.resource_name === 'docker' && e.resource_status === 'CREATE_COMPLETE')!.resource_status_reason, /docker_endpoint .* ignored/);
    const before = await json(['stack', 'resource', 'show', 'boxes', 'zun']);
    assert.equal((await output('boxes', 'zun_info')).max_memory_bytes, 64 * 1024 * 1024);

    await cloud.openstack(['stack', 'update', '--existing', '--parameter', 'zun_memory=128', '--parameter', 'zun_name=zun-two', '--wait', 'boxes']);
    const after = await json(['stack', 'resource', 'show', 'boxes', 'zun']);
    assert.equal(after.physical_resource_id, before.physical_resource_id, 'memory and name change in place');
    assert.equal((await output('boxes', 'zun_info')).max_memory_bytes, 128 * 1024 * 1024);
    assert.equal(await output('boxes', 'zun_name'), 'zun-two');

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'boxes']);
    for (let i = 0; i < 50 && (await containers()).length > 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await containers(), []);
  });

  it('fails a container that exits at once with its last output, leaving nothing', async () => {
    const dying = `heat_template_version: 2018-08-31
resources:
  short:
    type: DockerInc::Docker::Container
    properties: { image: bb, cmd: [/bin/sh, -c, "echo dying-words; exit 3"] }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('dying.yaml', dying), '--wait', '--poll', '1', 'brief']), /CREATE_FAILED|dying-words/);
    const events = (await json(['stack', 'event', 'list', 'brief'])) as Array<{ resource_name: string; resource_status: string; resource_status_reason: string }>;
    assert.match(events.find((e) => e.resource_name === 'short' && e.resource_status === 'CREATE_FAILED')!.resource_status_reason, /dying-words/);
    assert.deepEqual(await containers(), []);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'brief']);
  });

  it('refuses a Docker property it cannot apply, creating nothing', async () => {
    const ports = `heat_template_version: 2018-08-31
resources:
  web: { type: DockerInc::Docker::Container, properties: { image: bb, port_bindings: { "80/tcp": [{ HostPort: "8080" }] } } }
`;
    await assert.rejects(cloud.openstack(['stack', 'create', '-t', file('ports.yaml', ports), 'ported']), /port_bindings is not supported/);
    assert.deepEqual(await json(['stack', 'list']), []);
  });
});
