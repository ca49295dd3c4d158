/**
 * The default seccomp filter. It denies (EPERM) the system calls that act on the host
 * rather than on the caller's own namespaces: loading kernels and modules, rebooting,
 * mounting, swapping, setting the clock, keyrings, BPF, perf, handle-based opens that
 * bypass the mount namespace, and namespace escapes (setns, unshare). Everything else is
 * left to namespaces, capabilities and cgroups, which already confine it. A deny list
 * keeps ordinary programs working on any kernel; `--privileged` drops the filter.
 */

const deniedSyscalls = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
  'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'init_module', 'ioperm', 'iopl', 'kcmp',
  'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount', 'name_to_handle_at',
  'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root', 'query_module', 'quotactl', 'quotactl_fd',
  'reboot', 'request_key', 'setns', 'settimeofday', 'stime', 'swapoff', 'swapon', 'syslog', 'sysfs', '_sysctl', 'umount',
  'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
];

/** Seccomp architectures for this machine: the native one and its compat ABIs. */
function architectures(): string[] {
  if (process.arch === 'x64') return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  if (process.arch === 'arm64') return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
  return [];
}

/** The profile as the OCI spec's linux.seccomp. */
export function defaultSeccompProfile(): Record<string, unknown> {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(),
    syscalls: [{ names: deniedSyscalls, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  };
}
