/**
 * Measurement, not a test: create+start of a busybox `sleep` container through RuncRuntime
 * (conmon + runc create + runc start) against raw `runc run -d` of the same bundle, p50 of
 * 20 each, and the memory of one conmon. Run as root after the build:
 *   node dist/test/engine/runtime/measure-create-start.js
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { RuntimeFixture } from './runc/runtime-fixture.js';

const rounds = 20;

function runcRunDetached(root: string, bundle: string, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('runc', ['--root', root, 'run', '--detach', '--bundle', bundle, id], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run exited with ${code}`))));
  });
}

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kib = (pid: number, field: string, file = 'status'): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1]);

const f = new RuntimeFixture('runc');
try {
  const b = f.bundle({ args: ['sleep', '300'] });
  const ours: number[] = [];
  const raw: number[] = [];
  let rss = 0;
  let pss = 0;
  for (let i = 0; i < rounds; i++) {
    // Interleaved, so both see the same machine load.
    const id = `${b.id}-m${i}`;
    let t = performance.now();
    const created = await f.runtime.create(id, b.bundle, { logPath: b.logPath, exitDir: b.exitDir });
    await f.runtime.start(id);
    ours.push(performance.now() - t);
    f.adoptConmon(created.conmonPid);
    if (i === 0) {
      rss = kib(created.conmonPid, 'VmRSS');
      pss = kib(created.conmonPid, 'Pss', 'smaps_rollup');
    }
    await f.runtime.delete(id, { force: true });

    const rawId = `${b.id}-r${i}`;
    t = performance.now();
    await runcRunDetached(f.root, b.bundle, rawId);
    raw.push(performance.now() - t);
    await f.runtime.delete(rawId, { force: true });
  }
  console.log(JSON.stringify({
    rounds,
    runtimeCreateStartP50Ms: Number(p50(ours).toFixed(1)),
    rawRuncRunDetachP50Ms: Number(p50(raw).toFixed(1)),
    conmonRssKiB: rss,
    conmonPssKiB: pss,
  }, null, 2));
} finally {
  await f.cleanup();
  f.dispose();
}
