/**
 * Linux capabilities of the container process. The default set is Docker's: enough for a
 * root process to manage its own files, users and ports, and nothing that reaches the
 * host (no SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE, ...). As a /proc status mask it
 * reads 00000000a80425fb.
 */
import { InvalidArgumentError } from '../../errors.js';

/** Docker's default capability set. */
export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/**
 * Every capability up to CAP_CHECKPOINT_RESTORE (40), in bit order; for `privileged` and
 * `--cap-add ALL`. runc skips the ones an older kernel does not have.
 */
export const allCapabilities: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** `chown`, `CAP_CHOWN` or `cap_chown` → `CAP_CHOWN`; `all` → `ALL`. Throws on an unknown name. */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!allCapabilities.includes(cap)) throw new InvalidArgumentError(`unknown capability '${name}'`);
  return cap;
}

/**
 * The container's capability set with Docker's rules: `--cap-add ALL` grants everything
 * but the dropped ones; `--cap-drop ALL` keeps only the added ones; otherwise the default
 * set plus additions minus drops. Naming one capability in both lists is an error.
 * "Everything" is `available`: the capabilities the runtime can pass on (see
 * host-limits.ts); adding one outside it by name is an error, since runc would fail.
 */
export function capabilitySet(options: { privileged?: boolean; capAdd?: string[]; capDrop?: string[] }, available: readonly string[] = allCapabilities): string[] {
  if (options.privileged) return [...available];
  const add = new Set((options.capAdd ?? []).map(normaliseCapability));
  const drop = new Set((options.capDrop ?? []).map(normaliseCapability));
  for (const cap of add) {
    if (cap !== 'ALL' && drop.has(cap)) throw new InvalidArgumentError(`capability '${cap}' is both added and dropped`);
    if (cap !== 'ALL' && !available.includes(cap)) throw new InvalidArgumentError(`capability '${cap}' is not available to the engine on this host`);
  }
  if (add.has('ALL')) return available.filter((c) => !drop.has(c));
  const base = drop.has('ALL') ? [] : defaultCapabilities.filter((c) => !drop.has(c));
  return allCapabilities.filter((c) => base.includes(c) || add.has(c));
}
