/**
 * The example templates in templates/, each created with the real heat client and checked
 * the way a user would: the VPS boots with its cloud-config and keypair; the Redis job
 * queue's workers register and take jobs over the servers' network; WordPress answers with
 * its install page, which it shows only once it has reached MariaDB.
 *
 * The Redis, MariaDB and WordPress images are Debian images made by
 * templates/images/build-image.sh (Debian's packages from the mirror apt uses, on one
 * minbase that debootstrap makes once), cached in $INTERMODAL_TEMPLATE_IMAGES (default
 * /var/lib/intermodal/template-images). The first run builds them: about two minutes for
 * all three on a busy 2-core machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../engine/project-root.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';
import { makeServerImage } from '../compute/cloud-images.js';

const run = promisify(execFile);
const templates = path.join(projectRoot, 'templates');
const imageCache = process.env.INTERMODAL_TEMPLATE_IMAGES ?? '/var/lib/intermodal/template-images';

const images: Record<string, [string, string]> = {
  redis: ['redis-server', '["redis-server","--protected-mode","no"]'],
  mariadb: ['mariadb-server,curl', '["mariadbd","--user=mysql","--bind-address=0.0.0.0"]'],
  wordpress: ['apache2,libapache2-mod-php,php-mysql,wordpress,curl', '["apache2ctl","-D","FOREGROUND"]'],
};

/** The docker-archive of a template image, built once by the templates' own script (and again when its recipe changes). */
async function templateImage(name: string): Promise<string> {
  const recipe = createHash('sha256').update(JSON.stringify(images[name])).digest('hex').slice(0, 12);
  const out = path.join(imageCache, `${name}-${recipe}.tar`);
  fs.mkdirSync(imageCache, { recursive: true });
  await run(path.join(templates, 'images', 'build-image.sh'), [out, ...images[name]!], { timeout: 1_800_000 });
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the example templates with the real heat client', function () {
  this.timeout(1_800_000);
  let cloud: TestCloud;
  let work: string;
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json']));
  const output = async (stack: string, key: string) => (await json(['stack', 'output', 'show', stack, key])).output_value;
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  const upload = (file: string, name: string) => cloud.openstack(['image', 'create', '--file', file, '--container-format', 'docker', '--disk-format', 'raw', name]);
  const exec = async (serverId: string, args: string[]) => (await runCli(cloud.dataDir, ['exec', `instance-${serverId}`, ...args])).stdout;
  const deleteStack = async (name: string) => {
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', name]);
    for (let i = 0; i < 100 && (await containers()).length > 0; i++) await sleep(200);
    assert.deepEqual(await containers(), []);
    assert.deepEqual(await json(['server', 'list']), []);
  };

  before(async () => {
    cloud = await startTestCloud('heat-templates');
    work = makeTempDir('heat-templates-work');
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('vps.yaml: boots a server with its keypair and cloud-config', async () => {
    await upload(makeServerImage(work), 'bb');
    await cloud.openstack(['stack', 'create', '-t', path.join(templates, 'vps.yaml'), '--parameter', 'image=bb', '--parameter', 'motd=Hello from Heat', '--wait', '--poll', '1', 'vps']);
    const server = await output('vps', 'server_id') as string;
    let log = '';
    for (let i = 0; i < 50 && !/vps ready/.test(log); i++) {
      log = await cloud.openstack(['console', 'log', 'show', server]);
      if (!/vps ready/.test(log)) await sleep(200);
    }
    assert.match(log, /Hello from Heat[\s\S]*vps ready/);
    assert.match(await output('vps', 'private_key'), /BEGIN .*PRIVATE KEY/);
    const shown = await json(['server', 'show', server]);
    assert.equal(shown.key_name, 'vps-key');
    assert.match(await exec(server, ['cat', '/root/.ssh/authorized_keys']), /^ssh-rsa /);
    await deleteStack('vps');
    await assert.rejects(cloud.openstack(['keypair', 'show', 'vps-key']), 'the keypair goes with the stack');
  });

  it('nested_pair.yaml: two nested stacks from one template file; an update replaces only the changed one', async () => {
    if (!(await json(['image', 'list'])).some((i: { Name: string }) => i.Name === 'bb')) await upload(makeServerImage(work), 'bb');
    await cloud.openstack(['stack', 'create', '-t', path.join(templates, 'nested_pair.yaml'), '--parameter', 'image=bb', '--wait', '--poll', '1', 'pair']);
    const blue = await output('pair', 'blue_server') as string;
    const green = await output('pair', 'green_server') as string;
    for (const [id, greeting] of [[blue, 'hello-blue'], [green, 'hello-green']] as const) {
      assert.equal((await json(['server', 'show', id])).status, 'ACTIVE');
      let log = '';
      for (let i = 0; i < 50 && !log.includes(greeting); i++) {
        log = await cloud.openstack(['console', 'log', 'show', id]);
        if (!log.includes(greeting)) await sleep(200);
      }
      assert.match(log, new RegExp(`${greeting} from`));
    }
    const listed = (await json(['stack', 'resource', 'list', 'pair', '--nested-depth', '1'])) as Array<{ resource_name: string; physical_resource_id: string }>;
    assert.deepEqual(listed.filter((r) => r.resource_name === 'server').map((r) => r.physical_resource_id).sort(), [blue, green].sort(), 'the nested stacks\' resources are listed');
    await cloud.openstack(['stack', 'update', '--existing', '--parameter', 'green_greeting=hi-again', '--wait', 'pair']);
    assert.equal(await output('pair', 'blue_server'), blue, 'the unchanged nested stack keeps its server');
    const greenAfter = await output('pair', 'green_server') as string;
    assert.notEqual(greenAfter, green);
    assert.deepEqual((await json(['server', 'list'])).map((x: { ID: string }) => x.ID).sort(), [blue, greenAfter].sort());
    await deleteStack('pair');
  });

  it('redis_workers.yaml: a group of workers registers with Redis and takes its jobs', async () => {
    await upload(await templateImage('redis'), 'redis');
    await cloud.openstack(['stack', 'create', '-t', path.join(templates, 'redis_workers.yaml'), '--parameter', 'worker_count=2', '--wait', '--poll', '1', 'jobs']);
    const queue = (await json(['stack', 'resource', 'show', 'jobs', 'queue'])).physical_resource_id as string;
    assert.equal((await output('jobs', 'workers') as string[]).length, 2);
    const cli = (args: string[]) => exec(queue, ['redis-cli', ...args]);
    let workers = '';
    for (let i = 0; i < 150 && workers.split('\n').filter(Boolean).length < 2; i++) {
      workers = await cli(['lrange', 'workers', '0', '-1']);
      await sleep(200);
    }
    assert.deepEqual(workers.split('\n').filter(Boolean).sort(), ['worker-0', 'worker-1'], 'both workers reached Redis over the network');
    await cli(['rpush', 'jobs', 'j1', 'j2', 'j3', 'j4']);
    let done: string[] = [];
    for (let i = 0; i < 150 && done.length < 4; i++) {
      done = (await cli(['lrange', 'done', '0', '-1'])).split('\n').filter(Boolean);
      if (done.length < 4) await sleep(200);
    }
    assert.equal(done.length, 4);
    for (const line of done) assert.match(line, /^j\d by worker-[01]$/);
    await deleteStack('jobs');
  });

  it('wordpress_mysql.yaml: WordPress shows its install page, having reached MariaDB', async () => {
    await upload(await templateImage('mariadb'), 'mariadb');
    await upload(await templateImage('wordpress'), 'wordpress');
    // The default security group admits only its own members; the website is for everyone.
    await cloud.openstack(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', 'default']);
    // Complete only once both servers signalled their wait condition from inside.
    await cloud.openstack(['stack', 'create', '-t', path.join(templates, 'wordpress_mysql.yaml'), '--wait', '--poll', '2', 'blog']);
    const report = JSON.parse(await output('blog', 'setup_report') as string);
    assert.equal(report.db, 'database wordpress ready');
    assert.match(report.web, /^wordpress configured for database \d+\.\d+\.\d+\.\d+$/);
    const url = await output('blog', 'website_url') as string;
    let page = '';
    for (let i = 0; i < 120 && !/wp-admin\/install\.php|WordPress.*Installation/i.test(page); i++) {
      page = await fetch(url, { redirect: 'follow' }).then((r) => r.text(), (e: Error) => e.message);
      if (!/Installation/i.test(page)) await sleep(500);
    }
    assert.match(page, /Installation/i, `WordPress at ${url} answered: ${page.slice(0, 300)}`);
    assert.doesNotMatch(page, /Error establishing a database connection/);
    await deleteStack('blog');
  });
});
