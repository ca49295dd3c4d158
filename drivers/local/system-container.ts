/**
 * System-container mode: the instance boots the image's own init (/sbin/init, systemd in a
 * Debian image) as a machine would, instead of the image's command, so sshd and the other
 * services start as on a VM. What that takes beyond an application container:
 * - `container=intermodal` in pid 1's environment: systemd then knows it is in a
 *   container and skips what only a machine may do (udev, kernel modules, fsck);
 * - fresh tmpfs on /run, /run/lock and /tmp, which systemd expects to start empty;
 * - a cgroup namespace with its own writable name=systemd tree and setuid programs that
 *   work (the engine's systemInit, engine/runtime/spec/system-init.ts);
 * - SIGRTMIN+3 as the stop signal: systemd's "halt", a clean shutdown of every service;
 * - a terminal as /dev/console, where systemd shows its boot (the server's console log);
 * - lxcfs's /proc files (lxcfs.ts) and a cpuset of as many CPUs as the flavor has vCPUs,
 *   so `free` and `nproc` inside report the flavor, not the host.
 * The boot script (cloud-config) still runs first: it wraps /sbin/init as it wraps a command.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { ContainerSpec, MountSpec } from '../../engine/containers/container-spec.js';

/** The program a system container boots. */
export const systemInitPath = '/sbin/init';

/** SIGRTMIN+3 by number: runc does not know the name. */
const haltSignal = '37';

/** Mount options of the tmpfs a system manager expects (nosuid, nodev and noexec come first by default). */
const systemTmpfs = [
  { destination: '/run', options: ['exec', 'mode=755', 'size=65536k'] },
  { destination: '/run/lock', options: ['mode=1777', 'size=5120k'] },
  { destination: '/tmp', options: ['exec', 'mode=1777'] },
];

/** `spec` turned into a system container's; `lxcfs` are the lxcfs binds to add (none without lxcfs). */
export function systemContainerSpec(spec: ContainerSpec, instanceId: string, vcpus: number, lxcfs: MountSpec[]): ContainerSpec {
  const { cmd: _imageCommand, ...rest } = spec;
  const taken = new Set([...spec.tmpfs.map((t) => t.destination), ...spec.mounts.map((m) => m.destination)]);
  const cpus = cpusetFor(instanceId, vcpus);
  return {
    ...rest,
    entrypoint: [systemInitPath],
    env: spec.env.some((e) => e.startsWith('container=')) ? spec.env : [...spec.env, 'container=intermodal'],
    tmpfs: [...spec.tmpfs, ...systemTmpfs.filter((t) => !taken.has(t.destination))],
    mounts: [...spec.mounts, ...lxcfs.filter((m) => !taken.has(m.destination))],
    stopSignal: haltSignal,
    systemInit: true,
    // A terminal is the machine's /dev/console: systemd prints its boot there, the console log.
    tty: true,
    ...(cpus !== undefined && { cpusetCpus: cpus }),
  };
}

/**
 * The CPUs an instance of `vcpus` is pinned to: that many of the host's online CPUs, in a
 * row starting at a place the instance id picks, so instances spread over the host. None
 * (all CPUs) when the flavor has as many vCPUs as the host has CPUs, or more.
 */
export function cpusetFor(instanceId: string, vcpus: number, online = hostCpus()): string | undefined {
  const count = Math.ceil(vcpus);
  if (online.length === 0 || count >= online.length) return undefined;
  const start = createHash('sha256').update(instanceId).digest().readUInt32BE(0) % online.length;
  const chosen = Array.from({ length: count }, (_, i) => online[(start + i) % online.length]!).sort((a, b) => a - b);
  return chosen.join(',');
}

/** The host's online CPUs (`0-3,6` in sysfs). */
function hostCpus(): number[] {
  let text: string;
  try {
    text = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  } catch {
    return [];
  }
  return text.split(',').filter(Boolean).flatMap((range) => {
    const [from, to] = range.split('-').map(Number);
    return Array.from({ length: (to ?? from!) - from! + 1 }, (_, i) => from! + i);
  });
}
