import assert from 'node:assert/strict';
import { allCapabilities, defaultCapabilities } from '../../../../engine/runtime/spec/capabilities.js';
import type { OciSeccomp } from '../../../../engine/runtime/spec/oci-spec.js';
import { defaultSeccompProfile, seccompArchitectures } from '../../../../engine/runtime/spec/seccomp.js';

/** Names the profile allows without any argument condition. */
const allowedOutright = (p: OciSeccomp): Set<string> => new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r) => r.names));
const rulesFor = (p: OciSeccomp, name: string) => p.syscalls.filter((r) => r.names.includes(name));

describe('engine/runtime/spec/seccomp', () => {
  const profile = defaultSeccompProfile(defaultCapabilities);

  it('denies by default with EPERM', () => {
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(profile.defaultErrnoRet, 1);
  });

  it('lists the native and compat architectures', () => {
    assert.deepEqual(seccompArchitectures('x64'), ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(seccompArchitectures('arm64'), ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  });

  it('allows what a shell, coreutils, ps and top need', () => {
    const allowed = allowedOutright(profile);
    const needed = [
      'read', 'write', 'openat', 'close', 'fstat', 'newfstatat', 'statx', 'getdents64', 'mmap', 'mprotect', 'munmap', 'brk',
      'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'ioctl', 'pipe2', 'dup2', 'fcntl', 'execve', 'wait4', 'exit_group',
      'fork', 'vfork', 'getpid', 'kill', 'nanosleep', 'clock_nanosleep', 'clock_gettime', 'uname', 'getcwd', 'chdir',
      'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'futex', 'poll', 'select', 'sysinfo',
      'chroot', 'ptrace', 'setuid', 'setgroups', 'capset', 'prctl', 'socketpair', 'connect', 'bind', 'sendto', 'recvfrom',
    ];
    assert.deepEqual(needed.filter((n) => !allowed.has(n)), []);
  });

  it('denies what acts on the host', () => {
    const allowed = allowedOutright(profile);
    const denied = [
      'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'reboot', 'swapon', 'swapoff',
      'mount', 'umount2', 'pivot_root', 'unshare', 'setns', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open',
      'open_by_handle_at', 'userfaultfd', 'settimeofday', 'clock_settime', 'acct', 'iopl', 'ioperm', 'syslog',
      'io_uring_setup', 'fsopen', 'move_mount', 'open_tree',
    ];
    assert.deepEqual(denied.filter((n) => allowed.has(n) || rulesFor(profile, n).some((r) => r.action === 'SCMP_ACT_ALLOW')), []);
  });

  it('lets clone create no namespaces, and makes clone3 fall back with ENOSYS', () => {
    const [clone] = rulesFor(profile, 'clone');
    assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
    assert.deepEqual(rulesFor(profile, 'clone3').map((r) => [r.action, r.errnoRet]), [['SCMP_ACT_ERRNO', 38]]);
  });

  it('filters personality and socket by argument', () => {
    assert.deepEqual(rulesFor(profile, 'personality').map((r) => r.args?.[0]?.value), [0, 8, 0x20000, 0x20008, 0xffffffff]);
    assert.deepEqual(rulesFor(profile, 'socket')[0]?.args, [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }]);
  });

  it('opens capability-governed groups to containers holding the capability', () => {
    const admin = defaultSeccompProfile([...defaultCapabilities, 'CAP_SYS_ADMIN', 'CAP_SYS_TIME']);
    const allowed = allowedOutright(admin);
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3', 'settimeofday']) assert.ok(allowed.has(name), name);
    assert.ok(!allowed.has('reboot') && !allowed.has('kexec_load') && !allowed.has('keyctl'));
    const everything = allowedOutright(defaultSeccompProfile(allCapabilities));
    assert.ok(everything.has('reboot') && everything.has('open_by_handle_at'));
    assert.ok(!everything.has('kexec_load') && !everything.has('add_key'), 'never allowed, whatever the capabilities');
  });

  it('names each syscall once per rule', () => {
    for (const rule of profile.syscalls) assert.equal(new Set(rule.names).size, rule.names.length);
  });
});
