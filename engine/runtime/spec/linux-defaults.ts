/**
 * What every container gets unless it is privileged, after Docker's documented defaults:
 * the pseudo filesystems, the /proc and /sys paths hidden or made read-only because they
 * expose or control the host, and the device cgroup allowlist.
 */
import type { OciDeviceRule, OciMount } from './oci-spec.js';

/** Paths replaced by an empty file or directory: host details (kernel memory, keys, timers, firmware). */
export const maskedPaths: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Paths remounted read-only: writing them would change the host kernel, not the container. */
export const readonlyPaths: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The pseudo filesystems. /dev is a small tmpfs that runc fills with the default device
 * nodes; /dev/pts is a private devpts instance so the container cannot reach host
 * terminals; /sys and /sys/fs/cgroup are read-only unless privileged.
 */
export function standardMounts(privileged: boolean): OciMount[] {
  const rw = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', rw] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', rw] },
  ];
}

/** A character device that may be read, written and created. */
const charDevice = (major: number, minor?: number): OciDeviceRule => ({ allow: true, type: 'c', major, ...(minor !== undefined && { minor }), access: 'rwm' });

/**
 * The device cgroup rules: deny everything, then allow creating any node (mknod, which
 * alone opens nothing) and using only null, zero, full, random, urandom, tty, console,
 * ptmx and the container's own pts. Privileged containers may use every device.
 */
export function deviceRules(privileged: boolean): OciDeviceRule[] {
  if (privileged) return [{ allow: true, access: 'rwm' }];
  return [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    charDevice(1, 3), charDevice(1, 5), charDevice(1, 7), charDevice(1, 8), charDevice(1, 9),
    charDevice(5, 0), charDevice(5, 1), charDevice(5, 2), charDevice(136),
  ];
}
