/**
 * Issue 6's first benchmark: boot → reachable. A busybox httpd server booted through the
 * Compute API, timed from the POST until its web page answers at the server's fixed address
 * from the host (through its bridge and the security group, opened for port 80), against
 * `docker run -d -p` of the same image until the page answers through the published port,
 * in the same run. Each boot is deleted before the next one (untimed), so every boot starts
 * from the same state. Target from the issue: ≤ 0.3× docker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildDockerArchive, makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import { type BenchApi, benchCall as call, deleteServerAndWait, startBenchServe, stopBenchServe, uploadBenchImage } from './lib/bench-cloud.js';
import { removeCloudLeftovers } from './lib/cloud-leftovers.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import { freePort, waitForAnswer } from './lib/net-probe.js';
import type { BenchRow } from './lib/report.js';
import { median, percentile, timeMs } from './lib/stats.js';

// A bridge network of the private dockerd (it runs with --bridge none), on a subnet no other
// benchmark uses, so that `-p` has a container address to forward to.
const dockerNetwork = { name: 'imbench-reach', bridge: 'imbreach0', subnet: '10.231.63.0/24' };
const pollMs = 5;

export async function benchBootReachable(scratch: string, dockerd: PrivateDockerd | { reason: string }, boots: number): Promise<BenchRow> {
  const rootfs = path.join(scratch, 'reach-rootfs');
  makeBusyboxRootfs(rootfs);
  fs.mkdirSync(path.join(rootfs, 'www'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'www', 'index.html'), 'up\n');
  const archive = path.join(scratch, 'reach-httpd.tar');
  buildDockerArchive(archive, { layers: [{ dir: rootfs }], tags: ['bench/reach:1'], workDir: scratch, cmd: ['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www'] });

  const docker = 'docker' in dockerd ? await dockerSeries(dockerd, archive, boots) : [];
  const ours = await apiSeries(path.join(scratch, 'reach-data'), archive, boots);
  const dockerP50 = docker.length > 0 ? median(docker) : NaN;
  const oursP50 = median(ours);
  return {
    name: `boot → HTTP answer at the server's address via the API, p50 of ${boots} (p99 ${percentile(ours, 99).toFixed(0)} ms; docker p99 ${docker.length > 0 ? percentile(docker, 99).toFixed(0) : '-'} ms)`,
    ours: oursP50, unit: 'ms', peers: { 'docker run -d -p → first answer': dockerP50 },
    target: '≤ 0.3× docker run -p', met: docker.length > 0 ? oursP50 <= 0.3 * dockerP50 : undefined,
    note: `busybox httpd; the server and then its page polled every ${pollMs} ms${'docker' in dockerd ? '' : `; docker: ${dockerd.reason}`}`,
  };
}

async function apiSeries(dataDir: string, archive: string, boots: number): Promise<number[]> {
  const a = await startBenchServe(dataDir);
  const samples: number[] = [];
  try {
    const imageId = await uploadBenchImage(a, archive);
    // The default group admits only its own members; a web server is opened for port 80.
    const groups = (await call(a, 'GET', `/network/v2.0/security-groups?name=default&project_id=${a.project}`)).security_groups as Array<{ id: string }>;
    await call(a, 'POST', '/network/v2.0/security-group-rules', { security_group_rule: { security_group_id: groups[0]!.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' } });
    // One server first, not counted, kept up through the series: it makes the project's
    // default network, and the cloud is one in use (as the peer's daemon is), so no boot pays
    // for making or removing what a first or last server does (network, metadata route).
    const resident = await bootUntilAnswer(a, imageId, 'resident', { keep: true });
    for (let i = 0; i < boots; i++) samples.push((await bootUntilAnswer(a, imageId, `r-${i}`)).ms);
    await deleteServerAndWait(a, resident.id);
  } finally {
    await stopBenchServe(a);
    await removeCloudLeftovers(dataDir);
  }
  return samples;
}

/** Milliseconds from the create call to the first answer of the server's page; the server is then deleted unless `keep`. */
async function bootUntilAnswer(a: BenchApi, imageId: string, name: string, options: { keep?: boolean } = {}): Promise<{ ms: number; id: string }> {
  let id = '';
  const ms = await timeMs(async () => {
    id = (await call(a, 'POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: '42' } })).server.id;
    let address: string | undefined;
    while (address === undefined) {
      const server = (await call(a, 'GET', `/compute/v2.1/servers/${id}`)).server as { status: string; addresses: Record<string, Array<{ addr: string }>> };
      if (server.status === 'ERROR') throw new Error(`server ${id} went to ERROR`);
      if (server.status === 'ACTIVE') address = Object.values(server.addresses).flat()[0]?.addr;
      if (address === undefined) await sleep(pollMs);
    }
    await waitForAnswer(`http://${address}/`, 30_000, pollMs);
  });
  if (!options.keep) await deleteServerAndWait(a, id);
  return { ms, id };
}

async function dockerSeries(dockerd: PrivateDockerd, archive: string, boots: number): Promise<number[]> {
  dockerd.docker(['load'], { input: fs.readFileSync(archive) });
  dockerd.docker(['network', 'create', '--driver', 'bridge', '--subnet', dockerNetwork.subnet, '-o', `com.docker.network.bridge.name=${dockerNetwork.bridge}`, dockerNetwork.name]);
  const samples: number[] = [];
  try {
    for (let i = -1; i < boots; i++) {
      const port = await freePort();
      let id = '';
      const ms = await timeMs(async () => {
        id = dockerd.docker(['run', '-d', '--network', dockerNetwork.name, '-p', `127.0.0.1:${port}:80`, 'bench/reach:1']).trim();
        await waitForAnswer(`http://127.0.0.1:${port}/`, 30_000, pollMs);
      });
      dockerd.docker(['rm', '-f', id]);
      if (i >= 0) samples.push(ms); // the first run warms the daemon, as our warm boot does
    }
  } finally {
    dockerd.docker(['network', 'rm', dockerNetwork.name]);
  }
  return samples;
}
