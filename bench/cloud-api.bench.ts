/**
 * The cloud API as a client sees it, over HTTP on loopback against a real `intermodal
 * serve`: boot → ACTIVE (POST /servers, then GET until ACTIVE, with a valid token), p50 and
 * p99, sequential and 10 at a time, against `docker run -d` in the same run; the last ten
 * sequential boots against the first ten (all servers share the default security group, so
 * a boot whose cost grows with the group's size shows there); GET
 * /servers/detail with 1000 servers; token issue and validation per second.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildDockerArchive, makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import { benchCall as api, type BenchApi as Api, issueAdminToken, startBenchServe as startServe } from './lib/bench-cloud.js';
import { removeCloudLeftovers } from './lib/cloud-leftovers.js';
import type { BenchRow } from './lib/report.js';
import { median, percentile, timeMs } from './lib/stats.js';
import crypto from 'node:crypto';

async function bootToActive(a: Api, imageId: string, name: string): Promise<{ ms: number; id: string }> {
  let id = '';
  const ms = await timeMs(async () => {
    id = (await api(a, 'POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: '42' } })).server.id;
    for (;;) {
      const status = (await api(a, 'GET', `/compute/v2.1/servers/${id}`)).server.status;
      if (status === 'ACTIVE') return;
      if (status === 'ERROR') throw new Error(`server ${id} went to ERROR`);
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  return { ms, id };
}

async function deleteAll(a: Api, ids: string[]): Promise<void> {
  for (const id of ids) await api(a, 'DELETE', `/compute/v2.1/servers/${id}`);
  for (;;) {
    const left = (await api(a, 'GET', '/compute/v2.1/servers')).servers.length;
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rate(seconds: number, concurrency: number, op: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < end) { await op(); count++; } }));
  return count / seconds;
}

export async function benchCloudApi(scratch: string, dockerd: PrivateDockerd | { reason: string }, boots: number): Promise<BenchRow[]> {
  const dataDir = path.join(scratch, 'cloud-data');
  const rootfs = path.join(scratch, 'cloud-rootfs');
  makeBusyboxRootfs(rootfs);
  const archive = path.join(scratch, 'cloud-busybox.tar');
  buildDockerArchive(archive, { layers: [{ dir: rootfs }], tags: ['bench/cloud:1'], workDir: scratch, cmd: ['sleep', '3600'] });
  const a = await startServe(dataDir);
  const rows: BenchRow[] = [];
  try {
    const image = await api(a, 'POST', '/image/v2/images', { name: 'bench', container_format: 'docker', disk_format: 'raw' });
    const up = await fetch(`${a.url}/image/v2/images/${image.id}/file`, { method: 'PUT', headers: { 'x-auth-token': a.token, 'content-type': 'application/octet-stream' }, body: fs.readFileSync(archive) });
    if (up.status !== 204) throw new Error(`upload: ${up.status} ${await up.text()}`);

    // The default quota (10 instances) would stop the concurrent waves; the operator lifts it.
    await api(a, 'PUT', `/compute/v2.1/os-quota-sets/${a.project}`, { quota_set: { instances: -1, cores: -1, ram: -1 } });
    const sequential: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < boots; i++) {
      const r = await bootToActive(a, image.id, `seq-${i}`);
      sequential.push(r.ms);
      ids.push(r.id);
    }
    await deleteAll(a, ids);
    const concurrent: number[] = [];
    const cids: string[] = [];
    for (let wave = 0; wave < boots / 10; wave++) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => bootToActive(a, image.id, `par-${wave}-${i}`)));
      for (const r of results) { concurrent.push(r.ms); cids.push(r.id); }
    }
    await deleteAll(a, cids);

    let dockerRun = NaN;
    if ('docker' in dockerd) {
      dockerd.docker(['load'], { input: fs.readFileSync(archive) });
      const samples: number[] = [];
      const dids: string[] = [];
      for (let i = 0; i < Math.min(boots, 30); i++) samples.push(await timeMs(() => { dids.push(dockerd.docker(['run', '-d', '--network', 'none', 'bench/cloud:1']).trim()); }));
      dockerd.docker(['rm', '-f', ...dids]);
      dockerRun = median(samples);
    }
    const seqP50 = median(sequential);
    rows.push({
      name: `boot → ACTIVE via the API, sequential, p50 of ${boots} (p99 ${percentile(sequential, 99).toFixed(0)} ms)`, ours: seqP50, unit: 'ms',
      peers: { 'docker run -d': dockerRun }, target: '≤ 60 ms and ≤ 0.25× docker run', met: seqP50 <= 60 && (Number.isNaN(dockerRun) || seqP50 <= 0.25 * dockerRun),
    });
    // Every server is in the project's default group, whose members admit each other: a
    // boot that costs more the more members the group has shows here.
    const firstTen = median(sequential.slice(0, 10));
    const lastTen = median(sequential.slice(-10));
    rows.push({
      name: `boot → ACTIVE via the API, sequential, p50 of servers ${boots - 9}–${boots} (joining a group of ${boots - 10}–${boots - 1}) vs servers 1–10`, ours: lastTen, unit: 'ms',
      peers: { 'servers 1–10, same run': firstTen }, target: '≤ 1.5× the first 10 (no growth with the group)', met: lastTen <= 1.5 * firstTen,
    });
    const parP50 = median(concurrent);
    rows.push({
      name: `boot → ACTIVE via the API, 10 concurrent, p50 of ${concurrent.length} (p99 ${percentile(concurrent, 99).toFixed(0)} ms)`, ours: parP50, unit: 'ms',
      peers: { 'docker run -d': dockerRun }, target: '≤ 60 ms', met: parP50 <= 60,
    });

    // 1000 servers for the listing: records written straight into cloud.db (SHUTOFF, no
    // containers), since the figure is about the API's listing, not about booting 1000.
    const db = new Database(path.join(dataDir, 'cloud.db'));
    const project = a.project;
    const insert = db.prepare(`INSERT INTO servers (id, name, project_id, user_id, image_id, flavor_id, vm_state, power_state, availability_zone, vcpus, ram, disk, created_at, updated_at)
      VALUES (?, ?, ?, 'bench', ?, '42', 'stopped', 4, 'nova', 1, 128, 1, ?, ?)`);
    db.transaction(() => { for (let i = 0; i < 1000; i++) insert.run(crypto.randomUUID(), `listed-${i}`, project, image.id, Date.now(), Date.now()); })();
    db.close();
    const listSamples: number[] = [];
    for (let i = 0; i < 30; i++) listSamples.push(await timeMs(() => api(a, 'GET', '/compute/v2.1/servers/detail')));
    const listP50 = median(listSamples);
    rows.push({ name: 'GET /servers/detail with 1000 servers, p50 of 30', ours: listP50, unit: 'ms', peers: {}, target: '≤ 50 ms', met: listP50 <= 50 });

    const issue = await rate(3, 10, () => issueAdminToken(a.url));
    const validate = await rate(3, 10, () => fetch(`${a.url}/identity/v3/auth/tokens`, { headers: { 'x-auth-token': a.token, 'x-subject-token': a.token } }).then((r) => r.arrayBuffer()));
    rows.push({ name: 'token issue (password, 10 concurrent clients)', ours: issue, unit: 'req/s', peers: {}, target: 'reported', met: undefined });
    rows.push({ name: 'token validate (GET /v3/auth/tokens, 10 concurrent clients)', ours: validate, unit: 'req/s', peers: {}, target: 'reported', met: undefined });
  } finally {
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGTERM');
    await exited;
    // Whatever a failed run left: the instances go, as a user's `rm -f` would take them.
    await removeCloudLeftovers(dataDir);
  }
  return rows;
}
