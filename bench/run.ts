/**
 * `npm run bench`: runs every benchmark, prints the table and appends it to
 * bench/RESULTS.md with the date, the machine and the peers' figures from the same run.
 * Options: --data-dir DIR (cache root, default /var/lib/intermodal), --runs N, and
 * --only NAME[,NAME] to run some benchmarks alone (load, snapshot, run, redis, registry, cloud, drivers, heat, netput, reach).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../engine/config.js';
import { projectRoot } from '../engine/project-root.js';
import { benchImageLoad } from './image-load.bench.js';
import { startDockerd } from './lib/dockerd.js';
import { appendResults, type BenchRow, renderTable } from './lib/report.js';
import { benchSnapshots } from './snapshot.bench.js';
import { benchContainerRun } from './container-run.bench.js';
import { benchRedisPong } from './redis-pong.bench.js';
import { benchRegistry } from './registry-pull.bench.js';
import { benchCloudApi } from './cloud-api.bench.js';
import { benchBuild } from './build.bench.js';
import { benchDriverBoot } from './driver-boot.bench.js';
import { benchHeatStack } from './heat-stack.bench.js';
import { benchNetworkThroughput } from './network-throughput.bench.js';
import { benchBootReachable } from './boot-reachable.bench.js';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string', default: defaultDataDir }, runs: { type: 'string', default: '5' }, only: { type: 'string' } } });
const only = values.only?.split(',');
const selected = (name: string): boolean => only === undefined || only.includes(name);
const cacheDir = path.join(values['data-dir']!, 'bench-cache');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'intermodal-bench-'));
const runs = Number(values.runs);

const rows: BenchRow[] = [];
const dockerd = await startDockerd(path.join(scratch, 'dockerd'));
const peers = `Peers: ${'docker' in dockerd ? `docker ${dockerVersion(dockerd)}` : `docker: ${dockerd.reason}`}; skopeo and umoci from Debian.`;
try {
  if (selected('load')) rows.push(await benchImageLoad({ cacheDir, scratch, dockerd, runs }));
  if (selected('snapshot')) rows.push(await benchSnapshots(scratch, 200));
  if (selected('run')) rows.push(...(await benchContainerRun(scratch, dockerd, 50)));
  if (selected('redis')) rows.push(await benchRedisPong(path.join(scratch, 'redis-data'), cacheDir, dockerd, 10));
  if (selected('registry')) rows.push(...(await benchRegistry({ cacheDir, scratch, dockerd, runs })));
  if (selected('cloud')) rows.push(...(await benchCloudApi(scratch, dockerd, 100)));
  if (selected('build')) rows.push(...(await benchBuild(scratch, dockerd, runs)));
  if (selected('drivers')) rows.push(...(await benchDriverBoot(scratch, dockerd, 50)));
  if (selected('heat')) rows.push(...(await benchHeatStack(scratch, dockerd, 50, Math.min(runs, 3))));
  if (selected('netput')) rows.push(...(await benchNetworkThroughput(scratch, dockerd)));
  if (selected('reach')) rows.push(await benchBootReachable(scratch, dockerd, 50));
} finally {
  if ('stop' in dockerd) await dockerd.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
}

process.stdout.write(renderTable(rows));
appendResults(path.join(projectRoot, 'bench', 'RESULTS.md'), rows, [peers]);

function dockerVersion(d: { docker(args: string[]): string }): string {
  try {
    return d.docker(['version', '--format', '{{.Server.Version}}']).trim();
  } catch {
    return '?';
  }
}
