import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cgroupDir, cgroupV2, readLog, RuntimeFixture, useRuntimeFixture, waitFor } from './runtime-fixture.js';

const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

describe('engine/runtime/runc/runc-runtime limits (real runc and cgroups)', () => {
  let f: RuntimeFixture;
  useRuntimeFixture((fixture) => { f = fixture; });

  it('OOM-kills a process that outgrows its memory limit and reports it', async () => {
    // The shell doubles a string until the 32 MiB cgroup has no room; with swap equal to
    // the limit there is nowhere else to go, so the kernel kills it (SIGKILL: 137).
    const b = f.bundle({ args: ['sh', '-c', 'a=0123456789abcdef; while true; do a=$a$a; done'], memoryBytes: 32 * 1024 * 1024 });
    await f.run(b);
    const limitFile = cgroupV2 ? path.join(cgroupDir(b.cgroupsPath, ''), 'memory.max') : path.join(cgroupDir(b.cgroupsPath, 'memory'), 'memory.limit_in_bytes');
    assert.equal(read(limitFile), String(32 * 1024 * 1024));
    await waitFor(() => f.runtime.exitCode(b.id, b.exitDir, b.bundle) !== undefined);
    assert.deepEqual({ ...f.runtime.exitCode(b.id, b.exitDir, b.bundle), at: undefined }, { code: 137, at: undefined, oomKilled: true });
  });

  it('stops a fork bomb at the pids limit', async () => {
    // The bomb runs in a subshell; once forks fail, the outer shell replaces itself with
    // sleep (exec does not fork), keeping the cgroup populated for us to read.
    const b = f.bundle({ args: ['sh', '-c', '(for i in $(seq 100); do sleep 300 & done; wait); echo bomb-stopped; exec sleep 300'], pidsLimit: 20 });
    await f.run(b);
    await waitFor(() => readLog(b.logPath).some((r) => r.text === 'bomb-stopped'));
    const pids = cgroupDir(b.cgroupsPath, 'pids');
    assert.equal(read(path.join(pids, 'pids.max')), '20');
    const current = Number(read(path.join(pids, 'pids.current')));
    assert.ok(current > 10 && current <= 20, `pids.current ${current}`);
    assert.ok(readLog(b.logPath).some((r) => /can't fork|Resource temporarily unavailable/.test(r.text)), 'the shell saw fork failures');
    if (fs.existsSync(path.join(pids, 'pids.events'))) assert.match(read(path.join(pids, 'pids.events')), /^max [1-9]/m);
  });

  it('sets the CPU quota from cpus', async () => {
    const b = f.bundle({ cpus: 0.5, cpuShares: 512 });
    await f.run(b);
    if (cgroupV2) {
      assert.equal(read(path.join(cgroupDir(b.cgroupsPath, ''), 'cpu.max')), '50000 100000');
    } else {
      const cpu = cgroupDir(b.cgroupsPath, 'cpu');
      assert.equal(read(path.join(cpu, 'cpu.cfs_quota_us')), '50000');
      assert.equal(read(path.join(cpu, 'cpu.cfs_period_us')), '100000');
      assert.equal(read(path.join(cpu, 'cpu.shares')), '512');
    }
  });

  it('update changes the limits of a running container', async () => {
    const b = f.bundle({ memoryBytes: 64 * 1024 * 1024, pidsLimit: 50 });
    await f.run(b);
    await f.runtime.update(b.id, { memoryBytes: 48 * 1024 * 1024, cpus: 1.5, pidsLimit: 30 });
    if (cgroupV2) {
      const dir = cgroupDir(b.cgroupsPath, '');
      assert.equal(read(path.join(dir, 'memory.max')), String(48 * 1024 * 1024));
      assert.equal(read(path.join(dir, 'cpu.max')), '150000 100000');
      assert.equal(read(path.join(dir, 'pids.max')), '30');
    } else {
      assert.equal(read(path.join(cgroupDir(b.cgroupsPath, 'memory'), 'memory.limit_in_bytes')), String(48 * 1024 * 1024));
      assert.equal(read(path.join(cgroupDir(b.cgroupsPath, 'cpu'), 'cpu.cfs_quota_us')), '150000');
      assert.equal(read(path.join(cgroupDir(b.cgroupsPath, 'pids'), 'pids.max')), '30');
    }
    // Limits not named stay as they were.
    await f.runtime.update(b.id, { pidsLimit: 40 });
    const memory = cgroupV2 ? path.join(cgroupDir(b.cgroupsPath, ''), 'memory.max') : path.join(cgroupDir(b.cgroupsPath, 'memory'), 'memory.limit_in_bytes');
    assert.equal(read(memory), String(48 * 1024 * 1024));
    await assert.rejects(f.runtime.update(b.id, { cpus: -1 }), /cpus must be a positive number/);
  });
});
