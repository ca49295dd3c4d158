/**
 * The default seccomp profile: an allowlist. Any syscall not named fails with EPERM, so a
 * syscall added to a future kernel is denied until someone decides it is safe. What is
 * allowed and what is left out (and why) is in seccomp-syscalls.ts; this file adds the
 * rules that depend on arguments or on the container's capabilities:
 * - `clone` may not create namespaces (the CLONE_NEW* flags) without CAP_SYS_ADMIN;
 * - `clone3` passes its flags in memory, where seccomp cannot look, so without
 *   CAP_SYS_ADMIN it fails with ENOSYS: C libraries then fall back to `clone`, whereas
 *   EPERM would be taken as final;
 * - `personality` only switches between the harmless Linux personalities;
 * - `socket` may not open AF_VSOCK sockets, which reach the hypervisor's host;
 * - a capability-governed group (mount for CAP_SYS_ADMIN, reboot for CAP_SYS_BOOT, ...)
 *   is allowed when the container holds that capability.
 * `privileged` containers get no filter at all (build-spec.ts).
 */
import type { OciSeccomp, OciSeccompRule } from './oci-spec.js';
import {
  capabilitySyscalls, fileSyscalls, ipcSyscalls, memorySyscalls, pollSyscalls, processSyscalls, signalSyscalls,
  socketSyscalls, timeSyscalls,
} from './seccomp-syscalls.js';

const EPERM = 1;
const ENOSYS = 38;
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
const cloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
const AF_VSOCK = 40;
/** PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and 0xffffffff which only queries. */
const allowedPersonalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** Seccomp architectures for a Node `process.arch`: the native ABI and the compat ones it can run. */
export function seccompArchitectures(arch: string = process.arch): string[] {
  if (arch === 'x64') return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  if (arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  if (arch === 'arm') return ['SCMP_ARCH_ARM'];
  if (arch === 'ia32') return ['SCMP_ARCH_X86'];
  return [];
}

/** The profile for a container holding `capabilities`, as the spec's `linux.seccomp`. */
export function defaultSeccompProfile(capabilities: readonly string[], arch: string = process.arch): OciSeccomp {
  const held = new Set(capabilities);
  const granted = Object.entries(capabilitySyscalls).filter(([cap]) => held.has(cap)).flatMap(([, names]) => names);
  const allowed = new Set([
    ...fileSyscalls, ...pollSyscalls, ...memorySyscalls, ...processSyscalls, ...signalSyscalls, ...timeSyscalls,
    ...ipcSyscalls, ...socketSyscalls, ...granted,
  ]);
  const sysAdmin = held.has('CAP_SYS_ADMIN');
  const rules: OciSeccompRule[] = [
    { names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' },
    sysAdmin
      ? { names: ['clone'], action: 'SCMP_ACT_ALLOW' }
      : { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: cloneNamespaceFlags, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    ...(sysAdmin ? [] : [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO' as const, errnoRet: ENOSYS }]),
    ...allowedPersonalities.map((p): OciSeccompRule => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: p, op: 'SCMP_CMP_EQ' }] })),
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] },
  ];
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: seccompArchitectures(arch), syscalls: rules };
}
