/**
 * A LocalComputeDriver over a real engine on a scratch data dir (runc, conmon, overlayfs),
 * with busybox images, and a teardown that waits for every monitor and exit callback the
 * test's containers started (found by the data dir in their command lines, so only ours)
 * before checking that no container, cgroup, runc state or mount is left.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { readCgroupStats } from '../../../engine/containers/cgroup-stats.js';
import type { ContainerService } from '../../../engine/containers/container-service.js';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import type { InstanceResources, SpawnRequest } from '../../../drivers/compute-driver.js';
import { LocalComputeDriver } from '../../../drivers/local/index.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder, openTestEngine, type TestEngine } from '../../helpers/test-engine.js';

/** The image every instance boots unless told otherwise: prints `booted`, ends on SIGTERM. */
export const bootImage = 'test/instance:1';
/** Prints to both streams, then exits 3. */
export const failingImage = 'test/fails:1';
/** Its command does not exist. */
export const missingCommandImage = 'test/missing:1';
/** Like bootImage, with /etc/flavour saying `other`. */
export const otherImage = 'test/other:1';

/** Files shared by every test in a run: the rootfs tars and a host directory an image symlink points at. */
export interface ImageFixtures {
  work: string;
  /** A host directory the image's /escape symlink points to; nothing may ever be written in it. */
  hostTarget: string;
  rootfsTar: string;
  otherTar: string;
  /** Only /bin/busybox: no /bin/sh to run a boot script with. */
  noShellTar: string;
}

/** Builds the fixtures' rootfs tars (with GNU tar, not our code). */
export function makeImageFixtures(): ImageFixtures {
  const work = fs.realpathSync(makeTempDir('local-driver-fixtures'));
  const hostTarget = path.join(work, 'host-target');
  fs.mkdirSync(hostTarget);
  const rootfs = path.join(work, 'rootfs');
  makeBusyboxRootfs(rootfs);
  for (const applet of ['seq', 'grep', 'head', 'dd', 'wc', 'hostname', 'stat', 'ps', 'tr']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  // A hostile image: a directory-looking symlink out to the host.
  fs.symlinkSync(hostTarget, path.join(rootfs, 'escape'));
  const rootfsTar = path.join(work, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', rootfsTar, '.']);
  fs.writeFileSync(path.join(rootfs, 'etc/flavour'), 'other\n');
  const otherTar = path.join(work, 'other.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', otherTar, '.']);
  const bare = path.join(work, 'bare');
  fs.mkdirSync(path.join(bare, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(bare, 'bin/busybox'));
  const noShellTar = path.join(work, 'no-shell.tar');
  execFileSync('tar', ['-C', bare, '-cf', noShellTar, '.']);
  return { work, hostTarget, rootfsTar, otherTar, noShellTar };
}

/** One test's engine, container service and driver. */
export interface DriverFixture {
  t: TestEngine;
  containers: ContainerService;
  driver: LocalComputeDriver;
  /** Runs `args` in the instance; resolves with the exit code and output. */
  exec(instanceId: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The engine container id of an instance. */
  containerId(instanceId: string): string;
  /** Waits for the test's monitors, asserts nothing is left, removes the data dir. */
  teardown(): Promise<void>;
}

const serve = `echo booted; trap "exit 0" TERM; sleep 300 & wait`;

/** Opens an engine with the fixture images and a driver over it. */
export async function openDriverFixture(images: ImageFixtures, options: { earlyExitWindowMs?: number } = {}): Promise<DriverFixture> {
  const t = openTestEngine('local-driver');
  const imp = (tar: string, ref: string, cmd: string[]): Promise<unknown> => importRootfs(t.engine, fs.createReadStream(tar), { ref, changes: [`CMD ${JSON.stringify(cmd)}`] });
  await imp(images.rootfsTar, bootImage, ['sh', '-c', serve]);
  await imp(images.rootfsTar, failingImage, ['sh', '-c', 'echo going down; echo "no config found" >&2; exit 3']);
  await imp(images.rootfsTar, missingCommandImage, ['/bin/no-such-program']);
  await imp(images.otherTar, otherImage, ['sh', '-c', serve]);
  const containers = openContainerService(t.engine);
  const driver = new LocalComputeDriver(containers, t.engine, options);
  const containerId = (instanceId: string): string => containers.store.resolve(`instance-${instanceId}`).id;
  return {
    t,
    containers,
    driver,
    containerId,
    async exec(instanceId, args) {
      const out = collect();
      const err = collect();
      const code = await containers.exec(containerId(instanceId), args, { stdout: out.stream, stderr: err.stream });
      return { code, stdout: out.text(), stderr: err.text() };
    },
    async teardown() {
      const ids = containers.store.list().map((r) => r.id);
      for (const id of ids) await containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
      await until('the monitors and exit callbacks of this test to exit', async () => (processesUsing(t.dataDir).length === 0 ? true : undefined), 15_000);
      const cgroups = ids.filter((id) => readCgroupStats(`/intermodal/${id}`) !== undefined);
      const leftover = execFileSync('runc', ['--root', path.join(t.dataDir, 'runtime', 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim();
      const mounts = mountsUnder(t.dataDir);
      t.destroy();
      assert.deepEqual(cgroups, [], 'no cgroup is left');
      assert.equal(leftover, '', 'no runc container is left');
      assert.deepEqual(mounts, [], 'no mount is left');
    },
  };
}

/** Removes the fixture files. */
export function removeImageFixtures(images: ImageFixtures): void {
  removeTempDir(images.work);
}

/** A spawn request with test defaults. */
export function spawnRequest(instanceId: string, extra: Partial<SpawnRequest> = {}): SpawnRequest {
  return { instanceId, name: `test ${instanceId}`, image: bootImage, resources: tiny, files: [], labels: { 'org.intermodal.project-id': 'p1' }, ...extra };
}

/** m1.tiny-like resources. */
export const tiny: InstanceResources = { vcpus: 1, memoryMb: 64, diskGb: 1 };

/** Polls `probe` until it gives a value. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Pids of processes whose command line names `dir` (conmon, its exit callback). */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}
