/**
 * Loading a ~200 MB docker-archive into a fresh store: `intermodal load` against `docker
 * load` and `skopeo copy` + `umoci unpack`, each given the same archive, warm in the page
 * cache, in the same run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath } from '../test/helpers/cli.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import { minbaseArchive } from './lib/minbase-image.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';

/** What the load benchmark needs. */
export interface LoadBenchContext {
  cacheDir: string;
  scratch: string;
  dockerd: PrivateDockerd | { reason: string };
  runs: number;
}

/** Runs the load benchmark; one row. */
export async function benchImageLoad(ctx: LoadBenchContext): Promise<BenchRow> {
  const { archive, bytes } = minbaseArchive(ctx.cacheDir);
  fs.readFileSync(archive); // warm the page cache for every contender alike

  const ours: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const dataDir = path.join(ctx.scratch, `load-${i}`);
    ours.push(await timeMs(() => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, 'load', '-i', archive], { stdio: 'ignore' })));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const peers: Record<string, number> = {};
  const notes: string[] = [];
  if ('docker' in ctx.dockerd) {
    const docker = ctx.dockerd.docker;
    const samples: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      samples.push(await timeMs(() => docker(['load', '-q', '-i', archive])));
      docker(['rmi', '-f', 'bench/minbase:latest']);
    }
    peers['docker load'] = median(samples);
  } else {
    peers['docker load'] = NaN;
    notes.push(ctx.dockerd.reason);
  }

  const skopeoUmoci: number[] = [];
  for (let i = 0; i < Math.min(ctx.runs, 3); i++) {
    const layout = path.join(ctx.scratch, `oci-${i}`);
    const bundle = path.join(ctx.scratch, `bundle-${i}`);
    skopeoUmoci.push(await timeMs(() => {
      execFileSync('skopeo', ['copy', '--quiet', `docker-archive:${archive}`, `oci:${layout}:latest`]);
      execFileSync('umoci', ['unpack', '--image', `${layout}:latest`, bundle], { stdio: 'ignore' });
    }));
    fs.rmSync(layout, { recursive: true, force: true });
    fs.rmSync(bundle, { recursive: true, force: true });
  }
  peers['skopeo+umoci'] = median(skopeoUmoci);

  // Not a peer (it stores no image), but the floor any unpacker meets on this disk.
  const floor: number[] = [];
  for (let i = 0; i < Math.min(ctx.runs, 3); i++) {
    const dir = path.join(ctx.scratch, `tar-${i}`);
    fs.mkdirSync(dir);
    floor.push(await timeMs(() => execFileSync('sh', ['-c', `tar -xOf "${archive}" --wildcards '*/layer.tar' | tar -C "${dir}" -xf -`])));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  notes.push(`floor: GNU tar -x of the same layer ${median(floor).toFixed(0)} ms`);

  const fastest = Math.min(...Object.values(peers).filter(Number.isFinite));
  const p50 = median(ours);
  return {
    name: `load ${(bytes / 1e6).toFixed(0)} MB docker-archive, p50 of ${ctx.runs}`,
    ours: p50,
    unit: 'ms',
    peers,
    target: '≤ 0.5× the faster peer',
    met: Number.isFinite(fastest) ? p50 <= 0.5 * fastest : undefined,
    ...(notes.length > 0 && { note: notes.join('; ') }),
  };
}
