/**
 * Time from `run -d` of a redis-server image (the debootstrap minbase image, which has
 * redis-server) to the first PONG on its port inside the container's network namespace.
 * Both contenders are probed the same way: `nsenter` into the container's netns and
 * busybox `nc` sending PING.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cliPath } from '../test/helpers/cli.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import { minbaseArchive } from './lib/minbase-image.js';
import type { BenchRow } from './lib/report.js';
import { median } from './lib/stats.js';

const redisArgs = ['redis-server', '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];

/** Runs the redis benchmark; one row. */
export async function benchRedisPong(dataDir: string, cacheDir: string, dockerd: PrivateDockerd | { reason: string }, runs: number): Promise<BenchRow> {
  const { archive } = minbaseArchive(cacheDir);
  const cli = (args: string[]): string => execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  cli(['load', '-i', archive]);
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const id = cli(['run', '-d', 'bench/minbase:latest', ...redisArgs]).trim();
    const pid = JSON.parse(cli(['inspect', id]))[0].State.Pid as number;
    waitForPong(pid);
    ours.push(performance.now() - start);
    cli(['rm', '-f', id]);
  }
  let docker = NaN;
  if ('docker' in dockerd) {
    dockerd.docker(['load', '-q', '-i', archive]);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const id = dockerd.docker(['run', '-d', '--network', 'none', 'bench/minbase:latest', ...redisArgs]).trim();
      const pid = Number(dockerd.docker(['inspect', '-f', '{{.State.Pid}}', id]).trim());
      waitForPong(pid);
      samples.push(performance.now() - start);
      dockerd.docker(['rm', '-f', id]);
    }
    docker = median(samples);
  }
  const p50 = median(ours);
  return { name: `run -d redis-server to first PONG, p50 of ${runs}`, ours: p50, unit: 'ms', peers: { 'docker run -d': docker }, target: 'vs docker (≈ 600 ms per the issue)', met: Number.isFinite(docker) ? p50 <= docker : undefined };
}

/** Polls PING over the container's loopback until redis answers (at most 20 s). */
function waitForPong(pid: number): void {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    const probe = spawnSync('nsenter', ['-t', String(pid), '-n', 'busybox', 'nc', '-w', '1', '127.0.0.1', '6379'], { input: 'PING\r\n', encoding: 'utf8', timeout: 2000 });
    if (probe.stdout?.includes('+PONG')) return;
  }
  throw new Error(`redis in pid ${pid} did not answer PING within 20 s`);
}
