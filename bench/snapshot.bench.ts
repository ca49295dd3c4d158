/**
 * Snapshot prepare + mount + unmount + remove on a loaded image, in process (the path a
 * container start and removal take), p50 over many rounds.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadEngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { importRootfs } from '../engine/images/import-rootfs.js';
import { mountAll, unmount } from '../engine/mount/index.js';
import { makeBusyboxRootfs } from '../test/helpers/image-fixtures.js';
import type { BenchRow } from './lib/report.js';
import { median, timeMs } from './lib/stats.js';

/** Runs the snapshot benchmark; one row. */
export async function benchSnapshots(scratch: string, rounds: number): Promise<BenchRow> {
  const dataDir = path.join(scratch, 'snapshots');
  const engine = Engine.open(loadEngineConfig({ dataDir }));
  try {
    const rootfs = path.join(scratch, 'busybox-rootfs');
    makeBusyboxRootfs(rootfs);
    const tar = path.join(scratch, 'busybox.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    const image = await importRootfs(engine, fs.createReadStream(tar), { ref: 'bench/busybox:1' });
    const target = path.join(scratch, 'rootfs');
    fs.mkdirSync(target);
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      samples.push(await timeMs(async () => {
        mountAll(await engine.snapshots.prepare(`bench-${i}`, image.topLayer, { imageId: image.id }), target);
        unmount(target);
        await engine.snapshots.remove(`bench-${i}`);
      }));
    }
    const p50 = median(samples);
    return { name: `snapshot prepare+mount+unmount+remove, p50 of ${rounds}`, ours: p50, unit: 'ms', peers: {}, target: '≤ 5 ms p50', met: p50 <= 5 };
  } finally {
    engine.close();
  }
}
