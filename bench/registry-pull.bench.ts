/**
 * Registry transfers of the ~220 MB minbase+redis image against a local docker-registry:
 * our pull (download, verify, unpack; a fresh store each run) against `docker pull` and
 * `skopeo copy` + `umoci unpack`; a re-pull of an image whose base layer is already stored;
 * and a push to a new repository against `docker push`. Every contender talks to the same
 * registry over loopback in the same run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markTopDirectory } from '../engine/layers/top-directory.js';
import { cliPath } from '../test/helpers/cli.js';
import { startRegistry } from '../test/helpers/registry-peer.js';
import type { PrivateDockerd } from './lib/dockerd.js';
import { minbaseArchive } from './lib/minbase-image.js';
import { pushAppOnMinbase, pushMinbase } from './lib/registry-images.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';

/** What the registry benchmark needs. */
export interface RegistryBenchContext {
  cacheDir: string;
  scratch: string;
  dockerd: PrivateDockerd | { reason: string };
  runs: number;
}

/** Runs the registry benchmarks; three rows (pull, re-pull, push). */
export async function benchRegistry(ctx: RegistryBenchContext): Promise<BenchRow[]> {
  const { archive } = minbaseArchive(ctx.cacheDir);
  const loadAtStart = os.loadavg()[0]!;
  // Every contender unpacks into a directory of its own below one marked as an ext4 top
  // directory (chattr +T), and docker's layer directory gets the same mark: on ext4 without
  // a journal, as here, inodes freed in the last minute are rescanned on every create, and
  // otherwise whoever runs right after another contender's tree is deleted pays ~0.7 ms a
  // file for it (6 s of this image's 8000 files), whichever puller it is. The mark spreads
  // new trees over block groups but does not keep them out of one just freed, so some of
  // that noise remains (seen at 60 % of a pull's samples in recently_deleted()).
  const scratch = path.join(ctx.scratch, 'registry');
  fs.mkdirSync(scratch);
  markTopDirectory(scratch);
  if ('docker' in ctx.dockerd) markTopDirectory(path.join(ctx.dockerd.docker(['info', '--format', '{{.DockerRootDir}}']).trim(), 'overlay2'));
  const registry = await startRegistry();
  // Each push goes to a fresh second registry, which has none of the blobs and no history
  // with either client, so that nothing is skipped or mounted.
  const pushTo = async (tag: (targetHost: string) => void, push: (targetHost: string) => void): Promise<number> => {
    const target = await startRegistry();
    try {
      tag(target.host);
      return await timeMs(() => push(target.host));
    } finally {
      await target.stop();
    }
  };
  try {
    const host = registry.host;
    pushMinbase(archive, host, 'bench/minbase');
    await pushAppOnMinbase(host, 'bench/minbase', 'bench/app');
    const image = `${host}/bench/minbase:latest`;
    const blobBytes = layerBytes(path.join(registry.dir, 'data'));
    const cli = (dataDir: string, args: string[]): void => void execFileSync(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Warm the registry's files in the page cache for every contender alike.
    cli(path.join(scratch, 'warm'), ['pull', '-q', image]);
    fs.rmSync(path.join(scratch, 'warm'), { recursive: true, force: true });

    // Contenders take turns within each round, so that load from elsewhere on the machine
    // falls on all of them alike rather than on whoever runs during a busy minute.
    const ours = { pull: [] as number[], repull: [] as number[], push: [] as number[] };
    const dockerSamples = { pull: [] as number[], repull: [] as number[], push: [] as number[] };
    const skopeoUmoci: number[] = [];
    const floor: number[] = [];
    const layerUrl = `http://${host}/v2/bench/minbase/blobs/${await largestLayer(host, 'bench/minbase')}`;
    const notes: string[] = [];
    if (!('docker' in ctx.dockerd)) notes.push(ctx.dockerd.reason);
    for (let i = 0; i < ctx.runs; i++) {
      const dataDir = path.join(scratch, `pull-${i}`);
      ours.pull.push(await timeMs(() => cli(dataDir, ['pull', '-q', image])));
      ours.repull.push(await timeMs(() => cli(dataDir, ['pull', '-q', `${host}/bench/app:latest`])));
      ours.push.push(await pushTo(
        (target) => cli(dataDir, ['tag', image, `${target}/bench/ours:latest`]),
        (target) => cli(dataDir, ['push', '-q', `${target}/bench/ours:latest`]),
      ));
      fs.rmSync(dataDir, { recursive: true, force: true });

      if ('docker' in ctx.dockerd) {
        const docker = ctx.dockerd.docker;
        dockerSamples.pull.push(await timeMs(() => docker(['pull', '-q', image])));
        dockerSamples.repull.push(await timeMs(() => docker(['pull', '-q', `${host}/bench/app:latest`])));
        dockerSamples.push.push(await pushTo(
          (target) => void docker(['tag', image, `${target}/bench/docker:latest`]),
          (target) => void docker(['push', `${target}/bench/docker:latest`]),
        ));
        for (const name of docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter(Boolean)) docker(['rmi', '-f', name]);
        docker(['image', 'prune', '-f']);
      }

      if (i < 3) {
        const layout = path.join(scratch, `reg-oci-${i}`);
        const bundle = path.join(scratch, `reg-bundle-${i}`);
        skopeoUmoci.push(await timeMs(() => {
          execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `oci:${layout}:latest`]);
          execFileSync('umoci', ['unpack', '--image', `${layout}:latest`, bundle], { stdio: 'ignore' });
        }));
        fs.rmSync(layout, { recursive: true, force: true });
        fs.rmSync(bundle, { recursive: true, force: true });
        // Not a peer (it verifies and stores nothing), but the floor any puller meets here.
        const dir = path.join(scratch, `reg-tar-${i}`);
        fs.mkdirSync(dir);
        floor.push(await timeMs(() => execFileSync('sh', ['-c', `curl -sf "${layerUrl}" | tar -C "${dir}" -xzf -`])));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    notes.push(`floor: curl piped to GNU tar -xz of the layer ${median(floor).toFixed(0)} ms`);
    notes.push('all contenders unpack below ext4 top directories (chattr +T, docker\'s overlay2 too); each tree is deleted after its turn, and a contender whose files land in a block group freed within the last minute still pays for it (journal-less ext4 rescans recently freed inodes)');
    notes.push(`load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end, ${os.cpus().length} CPUs`);
    const dockerPeers = { pull: median(dockerSamples.pull), repull: median(dockerSamples.repull), push: median(dockerSamples.push) };
    const pull = ours.pull;
    const repull = ours.repull;
    const push = ours.push;

    const size = `${(blobBytes / 1e6).toFixed(0)} MB gzip`;
    const pullPeers = { 'docker pull': dockerPeers.pull, 'skopeo+umoci': median(skopeoUmoci) };
    const fastestPull = Math.min(...Object.values(pullPeers).filter(Number.isFinite));
    const rows: BenchRow[] = [
      {
        name: `pull minbase+redis (${size}) from local docker-registry, fresh store, incl. unpack, p50 of ${ctx.runs}`,
        ours: median(pull),
        unit: 'ms',
        peers: pullPeers,
        target: '≤ 0.4× the faster peer',
        met: Number.isFinite(fastestPull) ? median(pull) <= 0.4 * fastestPull : undefined,
        ...(notes.length > 0 && { note: notes.join('; ') }),
      },
      {
        name: `re-pull: app image on minbase with the base layer stored, p50 of ${ctx.runs}`,
        ours: median(repull),
        unit: 'ms',
        peers: { 'docker pull': dockerPeers.repull },
        target: 'vs docker (no target in the issue)',
        met: undefined,
      },
      {
        name: `push minbase+redis to an empty registry, p50 of ${ctx.runs}`,
        ours: median(push),
        unit: 'ms',
        peers: { 'docker push': dockerPeers.push },
        target: 'vs docker (no target in the issue)',
        met: undefined,
        note: 'ours sends the gzip blob it pulled; docker recompresses the layer',
      },
    ];
    return rows;
  } finally {
    await registry.stop();
  }
}

/** Digest of the largest layer of `repo:latest`. */
async function largestLayer(host: string, repo: string): Promise<string> {
  const response = await fetch(`http://${host}/v2/${repo}/manifests/latest`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  const manifest = (await response.json()) as { layers: { digest: string; size: number }[] };
  return [...manifest.layers].sort((a, b) => b.size - a.size)[0]!.digest;
}

/** Bytes of the layer blobs the registry stores (the largest is the minbase layer). */
function layerBytes(root: string): number {
  let largest = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'data') largest = Math.max(largest, fs.statSync(full).size);
    }
  };
  walk(root);
  return largest;
}
