/**
 * Checks that this host can run the engine: root, overlayfs (by really mounting one), an
 * OCI runtime and the container monitor. Used by `intermodal info` and `npm run up`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sys } from '../sys/index.js';

/** One check's outcome. */
export interface HostCheck {
  name: string;
  ok: boolean;
  /** What was found (a version, a path) or why it failed. */
  detail: string;
  /** False for checks that only inform (an optional runtime). */
  required: boolean;
}

/** Runs every check; `scratchDir` is where the overlay test mount is made and removed. */
export function checkHost(scratchDir: string): HostCheck[] {
  return [
    { name: 'root', required: true, ...attempt(() => (process.getuid?.() === 0 ? 'uid 0' : fail(`running as uid ${process.getuid?.()}; the engine needs root`))) },
    { name: 'kernel', required: true, ok: true, detail: `${os.type()} ${os.release()} ${os.arch()}` },
    { name: 'overlayfs', required: true, ...attempt(() => testOverlay(scratchDir)) },
    { name: 'cgroups', required: true, ...attempt(cgroupVersion) },
    { name: 'runc', required: true, ...attempt(() => version('runc', ['--version'])) },
    { name: 'conmon', required: true, ...attempt(() => version('conmon', ['--version'])) },
    { name: 'crun', required: false, ...attempt(crunCheck) },
  ];
}

/** True when cgroup v1 controllers and a v2 hierarchy are mounted side by side, which crun refuses. */
export function hybridCgroups(): boolean {
  return fs.existsSync('/sys/fs/cgroup/unified') && fs.existsSync('/sys/fs/cgroup/memory');
}

/** crun is installed and this host's cgroup layout is one crun accepts. */
export function crunUsable(): boolean {
  return ['/usr/bin/crun', '/usr/sbin/crun'].some((p) => fs.existsSync(p)) && !hybridCgroups();
}

function crunCheck(): string {
  const found = version('crun', ['--version']);
  if (hybridCgroups()) fail(`${found}, but not usable: crun refuses hybrid cgroups (runc is used)`);
  return found;
}

function attempt(fn: () => string): { ok: boolean; detail: string } {
  try {
    return { ok: true, detail: fn() };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

function fail(message: string): never {
  throw new Error(message);
}

function version(binary: string, args: string[]): string {
  try {
    const out = execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return out.split('\n')[0]!.trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code === 'ENOENT' ? `${binary} not found on PATH (apt-get install ${binary})` : `${binary} failed: ${e.message}`);
  }
}

function testOverlay(scratchDir: string): string {
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) fail('overlay is not in /proc/filesystems (modprobe overlay)');
  const dir = fs.mkdtempSync(path.join(scratchDir, '.overlay-check-'));
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(dir, d)) as [string, string, string, string];
  for (const d of [lower, upper, work, merged]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(lower, 'probe'), 'lower');
  try {
    sys.overlayMount(merged, [lower], upper, work, '');
    try {
      if (fs.readFileSync(path.join(merged, 'probe'), 'utf8') !== 'lower') fail('overlay mount did not show its lower layer');
    } finally {
      sys.umount(merged, 0);
    }
    return 'mounted and unmounted a test overlay';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function cgroupVersion(): string {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'v2 (unified)';
  if (fs.existsSync('/sys/fs/cgroup/memory')) return fs.existsSync('/sys/fs/cgroup/unified') ? 'v1 (hybrid)' : 'v1';
  return fail('no cgroup filesystem at /sys/fs/cgroup');
}
