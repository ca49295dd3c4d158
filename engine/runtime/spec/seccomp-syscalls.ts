/**
 * The system calls the default seccomp profile allows, grouped by what they are for.
 * Names cover x86_64, i386, x32, aarch64 and arm; a name an architecture (or the host's
 * libseccomp) does not know is skipped by runc and crun, so one list serves them all.
 *
 * What is deliberately absent, and why:
 * - acting on the host, not on the caller's namespaces: kexec_*, *_module, reboot,
 *   swapon/swapoff, settimeofday and clock_settime, acct, iopl/ioperm, syslog, quotactl,
 *   mount and the new mount API, pivot_root, unshare and setns (creating namespaces is
 *   how many kernel exploits start). These return only with the capability that makes
 *   them meaningful (see seccomp.ts);
 * - keyrings (add_key, keyctl, request_key): they are not namespaced, so one container
 *   could read another's keys;
 * - open_by_handle_at: it opens any inode of a mounted filesystem by handle, bypassing the
 *   mount namespace (the "shocker" escape); allowed only with CAP_DAC_READ_SEARCH;
 * - bpf, perf_event_open, userfaultfd, io_uring_*: large attack surfaces with a record of
 *   privilege escalations, not needed by ordinary programs;
 * - obsolete calls (uselib, ustat, sysfs, _sysctl, nfsservctl, vm86, modify_ldt).
 * ptrace stays allowed: since Linux 4.8 seccomp filters are re-checked after a tracer
 * changes a syscall, so it no longer bypasses this filter, and debuggers need it.
 */

/** Files, directories, descriptors and extended attributes. */
export const fileSyscalls = [
  'access', 'faccessat', 'faccessat2', 'chdir', 'fchdir', 'getcwd', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2',
  'chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32', 'umask',
  'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'fcntl', 'fcntl64', 'flock',
  'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
  'lseek', '_llseek', 'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range', 'readahead',
  'fadvise64', 'fadvise64_64', 'arm_fadvise64_64', 'fallocate', 'truncate', 'truncate64', 'ftruncate', 'ftruncate64',
  'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'sync_file_range2', 'arm_sync_file_range',
  'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx', 'statfs',
  'statfs64', 'fstatfs', 'fstatfs64', 'getdents', 'getdents64', 'readlink', 'readlinkat', 'cachestat',
  'mkdir', 'mkdirat', 'rmdir', 'mknod', 'mknodat', 'link', 'linkat', 'symlink', 'symlinkat', 'unlink', 'unlinkat',
  'rename', 'renameat', 'renameat2', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr', 'setxattrat',
  'listxattr', 'llistxattr', 'flistxattr', 'listxattrat', 'removexattr', 'lremovexattr', 'fremovexattr', 'removexattrat',
  'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark', 'name_to_handle_at',
  'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
  'pipe', 'pipe2', 'memfd_create', 'ioctl',
];

/** Waiting on descriptors, event and timer descriptors. */
export const pollSyscalls = [
  'select', '_newselect', 'pselect6', 'pselect6_time64', 'poll', 'ppoll', 'ppoll_time64',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2',
  'eventfd', 'eventfd2', 'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_settime', 'timerfd_settime64',
  'timerfd_gettime', 'timerfd_gettime64',
];

/** Address space. */
export const memorySyscalls = [
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
  'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'membarrier', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  'mseal', 'map_shadow_stack',
];

/** Processes, threads, credentials, scheduling and limits (clone and clone3 are handled apart). */
export const processSyscalls = [
  'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid',
  'getpid', 'getppid', 'gettid', 'getpgid', 'getpgrp', 'setpgid', 'getsid', 'setsid',
  'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
  'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
  'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
  'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32',
  'setgroups', 'setgroups32', 'capget', 'capset', 'prctl', 'arch_prctl', 'seccomp',
  'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
  'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'getpriority', 'setpriority',
  'ioprio_get', 'ioprio_set', 'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr',
  'sched_setattr', 'sched_getparam', 'sched_setparam', 'sched_getscheduler', 'sched_setscheduler',
  'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'sched_rr_get_interval_time64',
  'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'set_thread_area', 'get_thread_area',
  'futex', 'futex_time64', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue',
  'ptrace', 'pidfd_open', 'pidfd_send_signal', 'restart_syscall', 'uname', 'sysinfo', 'getrandom', 'getcpu',
  'set_tls', 'cacheflush', 'breakpoint', 'uretprobe',
];

/** Signals. */
export const signalSyscalls = [
  'kill', 'tkill', 'tgkill', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'sigaction', 'signal',
  'sigprocmask', 'sigreturn', 'sigpending', 'sigsuspend', 'sigaltstack', 'pause',
];

/** Clocks, timers and sleeping (reading the clock only; setting it needs CAP_SYS_TIME). */
export const timeSyscalls = [
  'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64', 'adjtimex',
  'nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64', 'alarm', 'getitimer', 'setitimer', 'times',
  'timer_create', 'timer_delete', 'timer_settime', 'timer_settime64', 'timer_gettime', 'timer_gettime64', 'timer_getoverrun',
];

/** System V and POSIX IPC (namespaced by the container's IPC namespace). */
export const ipcSyscalls = [
  'ipc', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl',
  'shmget', 'shmat', 'shmdt', 'shmctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64',
  'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr',
];

/** Sockets (namespaced by the network namespace); `socket` itself is filtered in seccomp.ts. */
export const socketSyscalls = [
  'socketcall', 'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown',
  'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg',
  'recv', 'recvfrom', 'recvmsg', 'recvmmsg', 'recvmmsg_time64',
];

/** Syscalls allowed only when the container holds the capability that governs them. */
export const capabilitySyscalls: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'pivot_root', 'unshare', 'setns', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
    'move_mount', 'open_tree', 'mount_setattr', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd',
    'fanotify_init', 'lookup_dcookie', 'swapon', 'swapoff', 'bpf', 'perf_event_open', 'syslog', 'clone3',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'process_madvise'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime', 'clock_adjtime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'mbind', 'migrate_pages', 'move_pages', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};
