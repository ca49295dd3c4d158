/**
 * `intermodal run -d` of a busybox `sleep` until it runs, and `rm -f`, against raw
 * `runc run -d` / `runc delete -f` on a pre-made overlay bundle (the floor) and `docker run
 * -d` / `docker rm -f`, in the same run. Ours is timed as a user sees it: a whole CLI
 * process each time, Node start-up included.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSpec } from '../engine/runtime/spec/build-spec.js';
import { sys } from '../engine/sys/index.js';
import { makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import { cliPath } from '../test/helpers/cli.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';
import { benchDensity } from './container-density.bench.js';

/** Runs the container run/rm benchmark; two rows. */
export async function benchContainerRun(scratch: string, dockerd: PrivateDockerd | { reason: string }, runs: number): Promise<BenchRow[]> {
  const rowsExtra: BenchRow[] = [];
  const rootfs = path.join(scratch, 'run-rootfs');
  makeBusyboxRootfs(rootfs);
  const tar = path.join(scratch, 'run-rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  const dataDir = path.join(scratch, 'run-data');
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  cli(['import', tar, 'bench/busybox:1']);

  const ours = { run: [] as number[], rm: [] as number[] };
  for (let i = 0; i < runs; i++) {
    let id = '';
    ours.run.push(await timeMs(() => { id = cli(['run', '-d', 'bench/busybox:1', 'sleep', '300']).trim(); }));
    ours.rm.push(await timeMs(() => cli(['rm', '-f', id])));
  }

  const raw = rawRunc(scratch, rootfs, runs);
  const docker = { run: NaN, rm: NaN };
  const notes: string[] = [];
  if ('docker' in dockerd) {
    dockerd.docker(['import', tar, 'bench/busybox:1']);
    const run: number[] = [];
    const rm: number[] = [];
    for (let i = 0; i < runs; i++) {
      let id = '';
      run.push(await timeMs(() => { id = dockerd.docker(['run', '-d', '--network', 'none', 'bench/busybox:1', 'sleep', '300']).trim(); }));
      rm.push(await timeMs(() => dockerd.docker(['rm', '-f', id])));
    }
    docker.run = median(run);
    docker.rm = median(rm);
  } else {
    notes.push(dockerd.reason);
  }
  rowsExtra.push(await benchDensity(dataDir, 200));
  const runP50 = median(ours.run);
  const rmP50 = median(ours.rm);
  return [
    {
      name: `run -d busybox sleep until running, p50 of ${runs}`, ours: runP50, unit: 'ms', peers: { 'raw runc run -d': raw.run, 'docker run -d': docker.run }, ratioAgainst: 'raw runc run -d',
      target: '≤ 1.5× raw runc and ≤ 0.25× docker', met: runP50 <= 1.5 * raw.run && (Number.isNaN(docker.run) || runP50 <= 0.25 * docker.run),
      note: `${(runP50 / docker.run).toFixed(2)}× docker${notes.length ? `; ${notes.join('; ')}` : ''}`,
    },
    {
      name: `rm -f of a running container, p50 of ${runs}`, ours: rmP50, unit: 'ms', peers: { 'raw runc delete -f': raw.rm, 'docker rm -f': docker.rm }, ratioAgainst: 'docker rm -f',
      target: '≤ 0.5× docker', met: Number.isNaN(docker.rm) ? undefined : rmP50 <= 0.5 * docker.rm,
    },
    ...rowsExtra,
  ];
}

/** The floor: runc alone on an overlay bundle made once. */
function rawRunc(scratch: string, lower: string, runs: number): { run: number; rm: number } {
  const bundle = path.join(scratch, 'raw-bundle');
  const [upper, work, merged] = ['upper', 'work', 'rootfs'].map((d) => path.join(bundle, d)) as [string, string, string];
  for (const d of [upper, work, merged]) fs.mkdirSync(d, { recursive: true });
  sys.overlayMount(merged, [lower], upper, work, 'index=off');
  const root = path.join(scratch, 'raw-runc-root');
  try {
    const spec = buildSpec({ image: { Cmd: ['sleep', '300'] }, rootfs: merged, hostname: 'raw', cgroupsPath: '/intermodal-bench/raw' });
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
    const run: number[] = [];
    const rm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const id = `raw-${i}`;
      run.push(measureSync(() => execFileSync('runc', ['--root', root, 'run', '-d', '-b', bundle, id], { stdio: 'ignore' })));
      rm.push(measureSync(() => execFileSync('runc', ['--root', root, 'delete', '-f', id], { stdio: 'ignore' })));
    }
    return { run: median(run), rm: median(rm) };
  } finally {
    sys.umount(merged, 0);
  }
}

function measureSync(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}
