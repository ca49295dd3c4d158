/**
 * Wait conditions with the real heat client, signalled the ways users signal them: a server's
 * boot script runs the handle's curl_cli (get_attr) from inside its network namespace, which
 * reaches the cloud only through the metadata address; the host signals with
 * `openstack stack resource signal`, or with the token URL on the cloud's listener as before.
 * A wrong token is refused and completes nothing; a FAILURE signal fails the stack with its reason.
 *
 * The server's image is busybox with the host's curl and the libraries it links (the signal
 * command is curl, as in Heat's own curl_cli).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { startTestCloud, type TestCloud } from '../../helpers/test-cloud.js';

/** busybox plus /usr/bin/curl and every library `ldd` names for it, at the same paths. */
function makeCurlImage(work: string): string {
  const rootfs = path.join(work, 'curl-rootfs');
  fs.mkdirSync(rootfs, { recursive: true });
  makeBusyboxRootfs(rootfs);
  for (const applet of ['sed', 'grep', 'cut']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  const curl = execFileSync('sh', ['-c', 'command -v curl']).toString().trim();
  const libraries = execFileSync('ldd', [curl]).toString().split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1]).filter((p): p is string => p !== undefined);
  for (const file of [curl, ...libraries]) {
    fs.mkdirSync(path.join(rootfs, path.dirname(file)), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), path.join(rootfs, file));
    fs.chmodSync(path.join(rootfs, file), 0o755);
  }
  const out = path.join(work, 'curlbox.tar');
  buildDockerArchive(out, {
    layers: [{ dir: rootfs }], tags: ['curlbox:latest'], workDir: work, env: ['PATH=/usr/bin:/bin'],
    cmd: ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"],
  });
  return out;
}

// The server first tries a POST elsewhere on the metadata service and the signal with a wrong
// token (printing the answers to its console), waits for the test's go-ahead, then signals.
const serverSignals = `heat_template_version: 2018-08-31
resources:
  handle: { type: OS::Heat::WaitConditionHandle }
  ready:
    type: OS::Heat::WaitCondition
    properties: { handle: { get_resource: handle }, count: 1, timeout: 600 }
  box:
    type: OS::Nova::Server
    properties:
      image: curlbox
      flavor: m1.tiny
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            CLI="wc_notify"
            echo "post elsewhere: $(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' http://169.254.169.254/openstack/latest/meta_data.json)"
            WRONG=$(echo "$CLI" | sed 's/token=[0-9a-f]*/token=0123456789/')
            echo "wrong token: $(eval "$WRONG -s -o /dev/null -w '%{http_code}' --data-binary '{\\"status\\": \\"SUCCESS\\"}'")"
            while ! test -e /tmp/go; do sleep 0.2; done
            wc_notify --data-binary '{"status": "SUCCESS", "id": "box", "data": "signalled from inside"}'
            echo "signal sent"
          params:
            wc_notify: { get_attr: [handle, curl_cli] }
outputs:
  data: { value: { get_attr: [ready, data] } }
  endpoint: { value: { get_attr: [handle, endpoint] } }
  server: { value: { get_resource: box } }
`;

const hostSignals = `heat_template_version: 2018-08-31
resources:
  handle: { type: OS::Heat::WaitConditionHandle }
  ready:
    type: OS::Heat::WaitCondition
    properties: { handle: { get_resource: handle }, count: 2, timeout: 600 }
outputs:
  data: { value: { get_attr: [ready, data] } }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('wait condition signals with the real heat client', function () {
  this.timeout(600_000);
  let cloud: TestCloud;
  let work: string;
  const file = (name: string, text: string) => { const p = path.join(work, name); fs.writeFileSync(p, text); return p; };
  const json = async (args: string[]) => JSON.parse(await cloud.openstack([...args, '-f', 'json']));
  const output = async (stack: string, key: string) => (await json(['stack', 'output', 'show', stack, key])).output_value;
  const status = async (stack: string) => (await json(['stack', 'show', stack])).stack_status as string;
  const containers = async () => (await runCli(cloud.dataDir, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  /** The handle's attributes once it exists (the stack is still being created). */
  const handleAttributes = async (stack: string): Promise<Record<string, any>> => {
    for (let i = 0; i < 300; i++) {
      const attributes = (await json(['stack', 'resource', 'show', stack, 'handle']).catch(() => undefined))?.attributes;
      if (attributes?.curl_cli) return attributes;
      await sleep(200);
    }
    throw new Error('the handle never showed its attributes');
  };
  const settled = async (stack: string) => {
    let s = '';
    for (let i = 0; i < 300 && (s === '' || s.endsWith('IN_PROGRESS')); i++) {
      s = await status(stack);
      if (s.endsWith('IN_PROGRESS')) await sleep(200);
    }
    return s;
  };

  before(async () => {
    cloud = await startTestCloud('wait-condition');
    work = makeTempDir('wait-condition-work');
    await cloud.openstack(['image', 'create', '--file', makeCurlImage(work), '--container-format', 'docker', '--disk-format', 'raw', 'curlbox']);
  });
  after(async () => {
    await cloud?.stop();
    if (work) removeTempDir(work);
  });

  it('completes once a server signals with its curl_cli through the metadata address; a wrong token is refused', async () => {
    const created = cloud.openstack(['stack', 'create', '-t', file('server.yaml', serverSignals), '--wait', '--poll', '1', 'inside']);
    let finished = false;
    void created.then(() => { finished = true; }, () => { finished = true; });
    const attributes = await handleAttributes('inside');
    assert.match(attributes.endpoint, /^http:\/\/169\.254\.169\.254\/heat-api\/v1\/[0-9a-f]+\/stacks\/inside\/[0-9a-f-]+\/resources\/handle\/signal\?token=[0-9a-f]+$/);
    assert.equal(attributes.signal.url, attributes.endpoint);
    assert.ok(attributes.curl_cli.includes(`'${attributes.endpoint}'`));

    // The server's boot script has been refused and now waits for the go-ahead.
    let server = '';
    let log = '';
    for (let i = 0; i < 600 && !/wrong token: \d+/.test(log); i++) {
      server = server || ((await json(['stack', 'resource', 'show', 'inside', 'box']).catch(() => undefined))?.physical_resource_id ?? '');
      log = server ? await cloud.openstack(['console', 'log', 'show', server]).catch(() => '') : '';
      if (!/wrong token: \d+/.test(log)) await sleep(200);
    }
    assert.match(log, /post elsewhere: 405/, 'the metadata service takes POST for signal paths only');
    assert.match(log, /wrong token: 401/, 'a wrong token is refused');
    await sleep(1500);
    assert.equal(await status('inside'), 'CREATE_IN_PROGRESS', 'the refused signal completed nothing');
    assert.equal(finished, false, 'stack create --wait is still waiting');

    await runCli(cloud.dataDir, ['exec', `instance-${server}`, 'touch', '/tmp/go']);
    await created;
    assert.equal(await status('inside'), 'CREATE_COMPLETE');
    assert.deepEqual(JSON.parse(await output('inside', 'data')), { box: 'signalled from inside' });
    assert.match(await cloud.openstack(['console', 'log', 'show', server]), /signal sent/);

    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'inside']);
    for (let i = 0; i < 100 && (await containers()).length > 0; i++) await sleep(200);
    assert.deepEqual(await containers(), []);
  });

  it('takes signals from the host: openstack stack resource signal, and the token URL on the listener', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('host.yaml', hostSignals), 'outside']);
    const attributes = await handleAttributes('outside');
    const listenerPath = new URL(attributes.endpoint).pathname;
    const post = (query: string, body: unknown) => fetch(`${cloud.url}${listenerPath}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    assert.equal((await post('?token=00', { status: 'SUCCESS' })).status, 401, 'a wrong token is refused on the listener too');
    assert.equal((await post('', { status: 'SUCCESS' })).status, 401, 'no token and no login is refused');
    assert.equal((await post(`?token=${attributes.token}`, { status: 'MAYBE' })).status, 400, 'a status Heat does not know is refused');
    await assert.rejects(cloud.openstack(['stack', 'resource', 'signal', 'outside', 'ready', '--data', '{"status": "SUCCESS"}']), /resource ready not found/, 'only a handle takes signals');
    await sleep(500);
    assert.equal(await status('outside'), 'CREATE_IN_PROGRESS', 'refused signals count for nothing');

    await cloud.openstack(['stack', 'resource', 'signal', 'outside', 'handle', '--data', '{"status": "SUCCESS", "id": "host", "data": "from the cli"}']);
    assert.equal(await status('outside'), 'CREATE_IN_PROGRESS', 'one of two signals');
    assert.equal((await post(`?token=${attributes.token}`, { status: 'SUCCESS', id: 'old-url', data: 'from the listener' })).status, 200);
    assert.equal(await settled('outside'), 'CREATE_COMPLETE');
    assert.deepEqual(JSON.parse(await output('outside', 'data')), { host: 'from the cli', 'old-url': 'from the listener' });
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'outside']);
  });

  it('fails the stack at a FAILURE signal, with its reason', async () => {
    await cloud.openstack(['stack', 'create', '-t', file('host.yaml', hostSignals), 'failer']);
    await handleAttributes('failer');
    await cloud.openstack(['stack', 'resource', 'signal', 'failer', 'handle', '--data', '{"status": "FAILURE", "reason": "database would not start"}']);
    assert.equal(await settled('failer'), 'CREATE_FAILED');
    assert.match((await json(['stack', 'show', 'failer'])).stack_status_reason, /database would not start/);
    await cloud.openstack(['stack', 'delete', '--yes', '--wait', 'failer']);
    assert.ok(!(await json(['stack', 'list'])).some((s: { 'Stack Name': string }) => s['Stack Name'] === 'failer'));
  });
});
