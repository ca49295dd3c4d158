/**
 * `intermodal build` of a 6-step Dockerfile on a busybox base (FROM, ENV, WORKDIR, COPY,
 * RUN, CMD): a cold build (`--no-cache`, every step runs) and a fully cached rebuild,
 * against `docker build` with the legacy builder (DOCKER_BUILDKIT=0) on a private dockerd,
 * in the same run. Ours is timed as a user sees it: a whole CLI process each time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import { cliPath } from '../test/helpers/cli.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';

const dockerfile = [
  'FROM bench/busybox:1',
  'ENV APP=/app',
  'WORKDIR /app',
  'COPY files/ /app/',
  'RUN echo built > /app/built.txt && ls /app > /app/list.txt',
  'CMD ["cat", "/app/built.txt"]',
].join('\n');

/** Runs the build benchmark; two rows (cold, cached). */
export async function benchBuild(scratch: string, dockerd: PrivateDockerd | { reason: string }, runs: number): Promise<BenchRow[]> {
  const rootfs = path.join(scratch, 'build-rootfs');
  makeBusyboxRootfs(rootfs);
  const tar = path.join(scratch, 'build-rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  const context = path.join(scratch, 'build-context');
  fs.mkdirSync(path.join(context, 'files'), { recursive: true });
  fs.writeFileSync(path.join(context, 'Dockerfile'), dockerfile);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(context, 'files', `f${i}.txt`), `file ${i}\n`.repeat(100));

  const dataDir = path.join(scratch, 'build-data');
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  cli(['import', tar, 'bench/busybox:1']);
  const ours = { cold: [] as number[], cached: [] as number[], floor: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // The floor of any CLI command here: Node start-up, opening the engine, start-up recovery.
    ours.floor.push(await timeMs(() => cli(['images', '-q'])));
    ours.cold.push(await timeMs(() => cli(['build', '--no-cache', '-t', 'bench/built:1', context])));
    ours.cached.push(await timeMs(() => {
      const out = cli(['build', '-t', 'bench/built:1', context]);
      if ((out.match(/Using cache/g) ?? []).length !== 5) throw new Error(`cached rebuild was not fully cached:\n${out}`);
    }));
  }

  const docker = { cold: NaN, cached: NaN };
  const notes: string[] = [];
  if ('docker' in dockerd) {
    const previous = process.env.DOCKER_BUILDKIT;
    process.env.DOCKER_BUILDKIT = '0';
    try {
      dockerd.docker(['import', tar, 'bench/busybox:1']);
      const cold: number[] = [];
      const cached: number[] = [];
      for (let i = 0; i < runs; i++) {
        cold.push(await timeMs(() => dockerd.docker(['build', '--no-cache', '--network', 'none', '-t', 'bench/built:1', context])));
        cached.push(await timeMs(() => dockerd.docker(['build', '--network', 'none', '-t', 'bench/built:1', context])));
      }
      docker.cold = median(cold);
      docker.cached = median(cached);
    } catch (err) {
      notes.push(`docker build failed: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_BUILDKIT;
      else process.env.DOCKER_BUILDKIT = previous;
    }
  } else {
    notes.push(dockerd.reason);
  }
  const cold = median(ours.cold);
  const cached = median(ours.cached);
  notes.push(`CLI floor (intermodal images -q) p50 ${median(ours.floor).toFixed(0)} ms`);
  const note = { note: notes.join('; ') };
  return [
    {
      name: `build 6-step busybox Dockerfile, cold (--no-cache), p50 of ${runs}`, ours: cold, unit: 'ms', peers: { 'docker build (legacy)': docker.cold },
      target: '≤ 0.5× docker', met: Number.isNaN(docker.cold) ? undefined : cold <= 0.5 * docker.cold, ...note,
    },
    {
      name: `build 6-step busybox Dockerfile, fully cached rebuild, p50 of ${runs}`, ours: cached, unit: 'ms', peers: { 'docker build (legacy)': docker.cached },
      target: '≤ 0.2× docker', met: Number.isNaN(docker.cached) ? undefined : cached <= 0.2 * docker.cached, ...note,
    },
  ];
}
