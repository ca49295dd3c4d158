/**
 * A container service over a fresh engine for each test, with a busybox image
 * `test/busybox:1`, and the teardown every container test needs: each container removed,
 * the conmon monitors waited for, and nothing left (no runc state, cgroup or mount).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { readCgroupStats } from '../../../engine/containers/cgroup-stats.js';
import type { ContainerService } from '../../../engine/containers/container-service.js';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder, openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

export { busyboxSpec } from './spec-fixture.js';

/** Polls `probe` until it returns a value. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Processes whose command line names `dir`: the conmon monitors of containers kept there,
 * and the exit callbacks they become, which open the data dir again.
 */
export function processesUsing(dir: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Waits until no process (but this one) uses `dir`: nothing may write there once the test removes it. */
export async function waitForProcessesUsing(dir: string, timeoutMs = 10_000): Promise<void> {
  await until(`processes using ${dir} to exit`, () => (processesUsing(dir).length === 0 ? true : undefined), timeoutMs);
}

/** What a test gets: the service, its engine, and the image tarball for child processes. */
export interface ServiceFixture {
  svc: ContainerService;
  t: TestEngine;
  /** Monitors started outside `svc`'s records (by a child process) for teardown to wait on. */
  extraMonitors: number[];
}

/** Registers the mocha hooks; the returned object is filled in before each test. */
export function useContainerService(label: string): ServiceFixture {
  const fx = { extraMonitors: [] } as unknown as ServiceFixture;
  let work: string;
  before(() => {
    work = makeTempDir(`${label}-fixtures`);
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    fx.t = openTestEngine(label);
    await importRootfs(fx.t.engine, fs.createReadStream(path.join(work, 'rootfs.tar')), { ref: 'test/busybox:1', changes: ['CMD ["sh"]'] });
    fx.svc = openContainerService(fx.t.engine);
    fx.extraMonitors = [];
  });
  afterEach(async () => {
    const { svc, t } = fx;
    const records = svc.store.list();
    const monitors = [...records.map((r) => r.conmonPid).filter((pid): pid is number => pid !== undefined), ...fx.extraMonitors];
    for (const r of records) await svc.remove(r.id, { force: true, volumes: true }).catch(() => undefined);
    await until('conmon monitors to exit', () => (monitors.every((pid) => !alive(pid)) ? true : undefined), 10_000);
    // Also the monitors of containers a test removed itself, which it no longer lists.
    await waitForProcessesUsing(t.dataDir);
    const cgroups = records.filter((r) => readCgroupStats(svc.paths(r.id).cgroupsPath) !== undefined).map((r) => r.id);
    const leftover = execFileSync('runc', ['--root', path.join(t.dataDir, 'runtime', 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim();
    const mounts = mountsUnder(t.dataDir);
    const socketDir = path.join(t.dataDir, 'runtime', 'runc-sockets');
    const socketLinks = fs.existsSync(socketDir) ? fs.readdirSync(socketDir) : [];
    t.destroy();
    assert.deepEqual(socketLinks, [], 'no attach socket link is left');
    assert.deepEqual(cgroups, [], 'no cgroup is left');
    assert.equal(leftover, '', 'no runc container is left');
    assert.deepEqual(mounts, [], 'no mount is left');
  });
  return fx;
}
