/**
 * Builds a container's OCI runtime spec from its image config and run options, with
 * defaults as strict as Docker's: new pid/mount/uts/ipc/net namespaces, Docker's default
 * capability set, no-new-privileges, a seccomp filter, masked and read-only /proc paths,
 * a device allowlist. `privileged` lifts those, and only when asked.
 */
import fs from 'node:fs';
import { InvalidArgumentError } from '../../errors.js';
import type { ContainerConfig } from '../../images/image-config.js';
import { resolveUser } from './container-user.js';
import type { OciMount, OciSpec } from './oci-spec.js';
import { defaultSeccompProfile } from './seccomp-profile.js';

/** Docker's default capabilities. */
export const defaultCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability of a current kernel, for --privileged and --cap-add ALL. */
export const allCapabilities = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const maskedPaths = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A user-namespace mapping: container ids 0..size-1 to host ids from `hostId`. */
export const usernsRange = { hostId: 100000, size: 65536 };

/** Everything a spec is built from. */
export interface SpecInput {
  image: ContainerConfig;
  rootfs: string;
  hostname: string;
  cgroupsPath: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
  user?: string;
  readOnly?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  memoryBytes?: number;
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  blkioWeight?: number;
  /** Extra mounts (binds, volumes, tmpfs), already resolved to host sources. */
  mounts?: OciMount[];
  userns?: boolean;
  annotations?: Record<string, string>;
}

/** The process arguments: entrypoint then cmd, with Docker's rule that --entrypoint drops the image's Cmd. */
export function processArgs(image: ContainerConfig, entrypoint: string[] | undefined, cmd: string[] | undefined): string[] {
  const ep = entrypoint ?? image.Entrypoint ?? [];
  const args = [...ep, ...(cmd ?? (entrypoint !== undefined ? [] : image.Cmd ?? []))];
  if (args.length === 0) throw new InvalidArgumentError('no command specified: the image has no Cmd or Entrypoint and none was given');
  return args;
}

/** Image env, then run env overriding by name; PATH and HOSTNAME and HOME filled in as Docker does. */
export function mergeEnv(imageEnv: string[] | undefined, runEnv: string[] | undefined, defaults: { hostname: string; home: string }): string[] {
  const merged = new Map<string, string>();
  for (const entry of [...(imageEnv ?? []), ...(runEnv ?? [])]) {
    const eq = entry.indexOf('=');
    merged.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  if (!merged.has('PATH')) merged.set('PATH', defaultPath);
  merged.set('HOSTNAME', `HOSTNAME=${defaults.hostname}`);
  if (!merged.has('HOME')) merged.set('HOME', `HOME=${defaults.home}`);
  return [...merged.values()];
}

/** Builds the spec. */
export function buildSpec(input: SpecInput): OciSpec {
  const user = resolveUser(input.rootfs, input.user ?? input.image.User);
  const caps = capabilitySet(input);
  const cwd = input.workdir ?? (input.image.WorkingDir || '/');
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids && { additionalGids: user.additionalGids }) },
      args: processArgs(input.image, input.entrypoint, input.cmd),
      env: mergeEnv(input.image.Env, input.env, { hostname: input.hostname, home: user.home }),
      cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofileLimit(), soft: nofileLimit() }],
      noNewPrivileges: !input.privileged,
    },
    root: { path: input.rootfs, readonly: input.readOnly ?? false },
    hostname: input.hostname,
    mounts: [...standardMounts(input.privileged ?? false), ...(input.mounts ?? [])],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', ...(input.userns ? ['user'] : [])].map((type) => ({ type })),
      cgroupsPath: input.cgroupsPath,
      resources: resources(input),
      ...(!input.privileged && { maskedPaths, readonlyPaths, seccomp: defaultSeccompProfile() }),
      ...(input.userns && {
        uidMappings: [{ containerID: 0, hostID: usernsRange.hostId, size: usernsRange.size }],
        gidMappings: [{ containerID: 0, hostID: usernsRange.hostId, size: usernsRange.size }],
      }),
    },
    ...(input.annotations && { annotations: input.annotations }),
  };
  return spec;
}

/** Docker's 1048576 open files, or less when this host's own hard limit is lower (raising it needs privileges the runtime may lack). */
function nofileLimit(): number {
  try {
    const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return hard === undefined || hard === 'unlimited' ? 1048576 : Math.min(1048576, Number(hard));
  } catch {
    return 1048576;
  }
}

function capabilitySet(input: SpecInput): string[] {
  if (input.privileged) return allCapabilities;
  const norm = (c: string): string => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  const add = (input.capAdd ?? []).map(norm);
  const drop = (input.capDrop ?? []).map(norm);
  for (const cap of [...add, ...drop]) {
    if (cap !== 'CAP_ALL' && !allCapabilities.includes(cap)) throw new InvalidArgumentError(`unknown capability '${cap}'`);
  }
  const base = drop.includes('CAP_ALL') ? [] : defaultCapabilities.filter((c) => !drop.includes(c));
  const added = add.includes('CAP_ALL') ? allCapabilities : add;
  return [...new Set([...base, ...added])];
}

function resources(input: SpecInput): Record<string, unknown> {
  const devices = input.privileged
    ? [{ allow: true, access: 'rwm' }]
    : [
        { allow: false, access: 'rwm' },
        ...[[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2]].map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
        { allow: true, type: 'c', major: 136, access: 'rwm' },
      ];
  return {
    devices,
    ...(input.memoryBytes !== undefined && { memory: { limit: input.memoryBytes, swap: input.memoryBytes } }),
    ...((input.cpus !== undefined || input.cpuShares !== undefined) && {
      cpu: {
        ...(input.cpus !== undefined && { quota: Math.round(input.cpus * 100000), period: 100000 }),
        ...(input.cpuShares !== undefined && { shares: input.cpuShares }),
      },
    }),
    ...(input.pidsLimit !== undefined && { pids: { limit: input.pidsLimit } }),
    ...(input.blkioWeight !== undefined && { blockIO: { weight: input.blkioWeight } }),
  };
}

function standardMounts(privileged: boolean): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
  ];
}
