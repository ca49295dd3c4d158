/**
 * Heat through the API, as a client sees it: a stack of one OS::Heat::ResourceGroup of N
 * servers (busybox, `sleep`) created with POST /stacks and polled until CREATE_COMPLETE,
 * then deleted and polled until DELETE_COMPLETE; against the same N containers made by
 * `docker run -d` one after another in the same run, and against the same N servers asked of
 * Nova in one request (what Heat adds). Servers have no network (`allocate_network: none`),
 * as the docker peer runs with `--network none`.
 */
import { benchCall as api, type BenchApi as Api, startBenchServe as startServe } from './lib/bench-cloud.js';
import { removeCloudLeftovers } from './lib/cloud-leftovers.js';
import fs from 'node:fs';
import path from 'node:path';
import { buildDockerArchive, makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';

async function waitForStatus(a: Api, stackPath: string, want: string): Promise<void> {
  for (;;) {
    const status = (await api(a, 'GET', stackPath)).stack.stack_status as string;
    if (status === want) return;
    if (status.endsWith('FAILED')) throw new Error(`stack ${stackPath} went to ${status}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function benchHeatStack(scratch: string, dockerd: PrivateDockerd | { reason: string }, servers: number, runs: number): Promise<BenchRow[]> {
  const dataDir = path.join(scratch, 'heat-data');
  const rootfs = path.join(scratch, 'heat-rootfs');
  makeBusyboxRootfs(rootfs);
  const archive = path.join(scratch, 'heat-busybox.tar');
  buildDockerArchive(archive, { layers: [{ dir: rootfs }], tags: ['bench/heat:1'], workDir: scratch, cmd: ['sleep', '3600'] });
  const a = await startServe(dataDir);
  const creates: number[] = [];
  const deletes: number[] = [];
  const novaCreates: number[] = [];
  try {
    const image = await api(a, 'POST', '/image/v2/images', { name: 'bench', container_format: 'docker', disk_format: 'raw' });
    const up = await fetch(`${a.url}/image/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': a.token, 'content-type': 'application/octet-stream' }, body: fs.readFileSync(archive) });
    if (up.status !== 204) throw new Error(`upload: ${up.status} ${await up.text()}`);
    // The default quota (10 instances) would refuse the group; the operator lifts it.
    await api(a, 'PUT', `/compute/v2.1/os-quota-sets/${a.project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
    const template = {
      heat_template_version: '2018-08-31',
      resources: { pool: { type: 'OS::Heat::ResourceGroup', properties: { count: servers, resource_def: { type: 'OS::Nova::Server', properties: { name: 'node-%index%', image: 'bench', flavor: 'm1.nano', networks: [{ allocate_network: 'none' }] } } } } },
    };
    for (let run = 0; run < runs; run++) {
      let stackPath = '';
      creates.push(await timeMs(async () => {
        const id = (await api(a, 'POST', `/heat-api/v1/${a.project}/stacks`, { stack_name: `bench${run}`, template })).stack.id;
        stackPath = `/heat-api/v1/${a.project}/stacks/bench${run}/${id}`;
        await waitForStatus(a, stackPath, 'CREATE_COMPLETE');
      }));
      const listed = (await api(a, 'GET', '/compute/v2.1/servers')).servers.length;
      if (listed !== servers) throw new Error(`the stack made ${listed} servers, not ${servers}`);
      deletes.push(await timeMs(async () => {
        await api(a, 'DELETE', stackPath);
        await waitForStatus(a, stackPath, 'DELETE_COMPLETE');
      }));
      // The same servers without Heat: one Nova request for all of them, polled until every one is ACTIVE.
      let ids: string[] = [];
      novaCreates.push(await timeMs(async () => {
        await api(a, 'POST', '/compute/v2.1/servers', { server: { name: `nova${run}`, imageRef: image.id, flavorRef: '42', min_count: servers, max_count: servers, networks: 'none' } });
        for (;;) {
          const list = (await api(a, 'GET', '/compute/v2.1/servers/detail')).servers as Array<{ id: string; status: string }>;
          if (list.some((x) => x.status === 'ERROR')) throw new Error('a server went to ERROR');
          ids = list.map((x) => x.id);
          if (list.length === servers && list.every((x) => x.status === 'ACTIVE')) return;
          await new Promise((r) => setTimeout(r, 10));
        }
      }));
      for (const id of ids) await api(a, 'DELETE', `/compute/v2.1/servers/${id}`);
      while ((await api(a, 'GET', '/compute/v2.1/servers')).servers.length > 0) await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    if (a.child.exitCode === null && a.child.signalCode === null) {
      const exited = new Promise((r) => a.child.once('exit', r));
      a.child.kill('SIGTERM');
      await exited;
    }
    // Whatever a failed run left: its instances and the networks the cloud made.
    await removeCloudLeftovers(dataDir);
  }

  let dockerCreate = NaN;
  let dockerDelete = NaN;
  if ('docker' in dockerd) {
    dockerd.docker(['load'], { input: fs.readFileSync(archive) });
    const ids: string[] = [];
    dockerCreate = await timeMs(() => { for (let i = 0; i < servers; i++) ids.push(dockerd.docker(['run', '-d', '--network', 'none', 'bench/heat:1']).trim()); });
    dockerDelete = await timeMs(() => { dockerd.docker(['rm', '-f', ...ids]); });
  }
  const create = median(creates);
  const remove = median(deletes);
  return [
    {
      name: `Heat stack of a ResourceGroup of ${servers} servers → CREATE_COMPLETE via the API, median of ${runs}`, ours: create, unit: 'ms',
      peers: { [`${servers} × docker run -d, sequential`]: dockerCreate, [`the same ${servers} servers by one Nova POST /servers, no Heat`]: median(novaCreates) },
      target: '≤ 3000 ms', met: create <= 3000,
    },
    {
      name: `the same stack → DELETE_COMPLETE, median of ${runs}`, ours: remove, unit: 'ms',
      peers: { [`docker rm -f of the ${servers}`]: dockerDelete }, target: 'reported', met: undefined,
    },
  ];
}
