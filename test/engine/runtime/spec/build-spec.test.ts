import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../../../engine/errors.js';
import { buildSpec, type SpecInput } from '../../../../engine/runtime/spec/build-spec.js';
import { capabilitySet } from '../../../../engine/runtime/spec/capabilities.js';
import { defaultNofileLimit, hostCapabilities } from '../../../../engine/runtime/spec/host-limits.js';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.js';

/** The /proc/<pid>/status mask of a capability list (bit N = capability number N). */
function capMask(caps: string[]): string {
  const numbers: Record<string, number> = {
    CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_FSETID: 4, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8,
    CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_CHROOT: 18, CAP_MKNOD: 27, CAP_AUDIT_WRITE: 29, CAP_SETFCAP: 31,
  };
  return caps.reduce((mask, c) => mask | (1n << BigInt(numbers[c] ?? 63)), 0n).toString(16).padStart(16, '0');
}

describe('engine/runtime/spec/build-spec', () => {
  let dir: string;
  let base: SpecInput;

  before(() => {
    dir = makeTempDir('build-spec');
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nweb:x:33:33:www:/var/www:/bin/sh\n');
    fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nweb:x:33:\nlogs:x:4:web\n');
    base = { image: { Cmd: ['httpd'], Env: ['PATH=/usr/bin:/bin', 'LANG=C'], WorkingDir: '/srv' }, rootfs: dir, hostname: 'web-1', cgroupsPath: '/intermodal/c1', nofileLimit: 1048576 };
  });
  after(() => removeTempDir(dir));

  it('has Docker-like secure defaults', () => {
    const spec = buildSpec(base);
    assert.deepEqual(spec.linux.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }]);
    assert.equal(capMask(spec.process.capabilities.bounding), '00000000a80425fb');
    assert.deepEqual(spec.process.capabilities.effective, spec.process.capabilities.bounding);
    assert.deepEqual(spec.process.capabilities.permitted, spec.process.capabilities.bounding);
    assert.equal(spec.process.capabilities.ambient, undefined);
    assert.equal(spec.process.capabilities.inheritable, undefined);
    assert.equal(spec.process.noNewPrivileges, true);
    assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
    assert.equal(spec.root.readonly, false);
    assert.equal(spec.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    for (const p of ['/proc/kcore', '/proc/keys', '/proc/acpi', '/proc/timer_list', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/proc/latency_stats', '/proc/timer_stats']) {
      assert.ok(spec.linux.maskedPaths?.includes(p), p);
    }
    assert.deepEqual(spec.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });

  it('mounts the standard pseudo filesystems with restrictive options', () => {
    const mounts = new Map(buildSpec(base).mounts.map((m) => [m.destination, m]));
    assert.deepEqual([...mounts.keys()], ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
    assert.ok(mounts.get('/dev')?.options?.includes('nosuid'));
    for (const o of ['newinstance', 'ptmxmode=0666', 'gid=5']) assert.ok(mounts.get('/dev/pts')?.options?.includes(o), o);
    for (const o of ['nosuid', 'nodev', 'noexec', 'size=65536k']) assert.ok(mounts.get('/dev/shm')?.options?.includes(o), o);
    for (const o of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(mounts.get('/sys')?.options?.includes(o), o);
    assert.ok(mounts.get('/sys/fs/cgroup')?.options?.includes('ro'));
  });

  it('allows only the standard devices', () => {
    const devices = buildSpec(base).linux.resources.devices ?? [];
    assert.deepEqual(devices[0], { allow: false, access: 'rwm' });
    const usable = devices.filter((d) => d.allow && d.access === 'rwm').map((d) => `${d.major}:${d.minor ?? '*'}`);
    assert.deepEqual(usable, ['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:1', '5:2', '136:*']);
  });

  it('combines image and run settings for the process', () => {
    const spec = buildSpec({ ...base, user: 'web', env: ['LANG=en_US.UTF-8', 'DEBUG=1'], args: ['httpd', '-X'] });
    assert.deepEqual(spec.process.user, { uid: 33, gid: 33, additionalGids: [4] });
    assert.deepEqual(spec.process.args, ['httpd', '-X']);
    assert.deepEqual(spec.process.env, ['PATH=/usr/bin:/bin', 'LANG=en_US.UTF-8', 'DEBUG=1', 'HOSTNAME=web-1', 'HOME=/var/www']);
    assert.equal(spec.process.cwd, '/srv');
    assert.equal(buildSpec({ ...base, workdir: '/tmp' }).process.cwd, '/tmp');
    assert.equal(buildSpec({ ...base, image: { Cmd: ['x'] } }).process.cwd, '/');
    assert.equal(buildSpec({ ...base, image: { ...base.image, User: '33' } }).process.user.uid, 33);
  });

  it('maps limits to cgroup resources', () => {
    const r = buildSpec({ ...base, memoryBytes: 32 * 1024 * 1024, cpus: 0.5, cpuShares: 512, pidsLimit: 20, blkioWeight: 300 }).linux.resources;
    assert.deepEqual(r.memory, { limit: 33554432, swap: 33554432 });
    assert.deepEqual(r.cpu, { quota: 50000, period: 100000, shares: 512 });
    assert.deepEqual(r.pids, { limit: 20 });
    assert.deepEqual(r.blockIO, { weight: 300 });
    assert.deepEqual(buildSpec({ ...base, memoryBytes: 64 << 20, memorySwapBytes: -1 }).linux.resources.memory, { limit: 64 << 20, swap: -1 });
  });

  it('makes the root read-only on request', () => {
    assert.equal(buildSpec({ ...base, readOnly: true }).root.readonly, true);
  });

  it('lifts every restriction for privileged containers', () => {
    const spec = buildSpec({ ...base, privileged: true });
    assert.deepEqual(spec.process.capabilities.bounding, hostCapabilities());
    assert.ok(hostCapabilities().includes('CAP_SYS_ADMIN'));
    assert.equal(spec.linux.seccomp, undefined);
    assert.equal(spec.linux.maskedPaths, undefined);
    assert.equal(spec.linux.readonlyPaths, undefined);
    assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.equal(spec.process.noNewPrivileges, false);
    assert.ok(spec.mounts.find((m) => m.destination === '/sys')?.options?.includes('rw'));
  });

  it('adds and drops capabilities with Docker rules', () => {
    assert.ok(capabilitySet({ capAdd: ['NET_ADMIN'] }).includes('CAP_NET_ADMIN'));
    assert.ok(!capabilitySet({ capDrop: ['cap_chown'] }).includes('CAP_CHOWN'));
    assert.deepEqual(capabilitySet({ capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
    assert.equal(capabilitySet({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }).length, 40);
    assert.deepEqual(capabilitySet({ capAdd: ['ALL'] }, ['CAP_CHOWN', 'CAP_KILL']), ['CAP_CHOWN', 'CAP_KILL']);
    assert.throws(() => capabilitySet({ capAdd: ['SYS_RESOURCE'] }, ['CAP_CHOWN']), /not available to the engine on this host/);
    assert.throws(() => capabilitySet({ capAdd: ['NOT_A_CAP'] }), /unknown capability 'NOT_A_CAP'/);
    assert.throws(() => capabilitySet({ capAdd: ['CHOWN'], capDrop: ['CHOWN'] }), InvalidArgumentError);
    const admin = buildSpec({ ...base, capAdd: ['SYS_ADMIN'] });
    assert.ok(admin.linux.seccomp?.syscalls.some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args && r.names.includes('mount')));
  });

  it('adds tmpfs and bind mounts after the standard ones', () => {
    const spec = buildSpec({
      ...base,
      tmpfs: [{ path: '/run', options: ['size=1m', 'exec'] }],
      mounts: [{ type: 'bind', source: '/srv/data', destination: '/data', readOnly: true }, { type: 'bind', source: '/srv/logs', destination: '/logs', readOnly: false }],
    });
    assert.deepEqual(spec.mounts.slice(7), [
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m', 'exec'] },
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/logs', type: 'bind', source: '/srv/logs', options: ['rbind', 'rprivate', 'rw'] },
    ]);
  });

  it('joins a given network namespace and maps users when asked', () => {
    const uidMap = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const spec = buildSpec({ ...base, netns: '/run/netns/n1', userns: { uidMap, gidMap: uidMap }, labels: { app: 'web' } });
    assert.deepEqual(spec.linux.namespaces.slice(4), [{ type: 'network', path: '/run/netns/n1' }, { type: 'user' }]);
    assert.deepEqual(spec.linux.uidMappings, uidMap);
    assert.deepEqual(spec.linux.gidMappings, uidMap);
    assert.deepEqual(spec.annotations, { app: 'web' });
  });

  it('defaults NOFILE to what this host can give', () => {
    const { nofileLimit: _unused, ...withoutLimit } = base;
    const limit = buildSpec(withoutLimit).process.rlimits[0]?.hard;
    assert.equal(limit, defaultNofileLimit());
    assert.ok(limit !== undefined && limit <= 1048576);
  });

  const invalid: { name: string; input: Partial<SpecInput>; message: RegExp }[] = [
    { name: 'relative workdir', input: { workdir: 'srv' }, message: /working directory 'srv' must be an absolute path/ },
    { name: 'bad hostname', input: { hostname: 'bad_host!' }, message: /invalid hostname/ },
    { name: 'relative mount destination', input: { mounts: [{ type: 'bind', source: '/a', destination: 'b', readOnly: false }] }, message: /mount destination 'b'/ },
    { name: 'dot-dot mount destination', input: { tmpfs: [{ path: '/x/../..' }] }, message: /without '\.\.'/ },
    { name: 'mount over /', input: { tmpfs: [{ path: '/' }] }, message: /below \// },
    { name: 'relative bind source', input: { mounts: [{ type: 'bind', source: 'rel', destination: '/b', readOnly: false }] }, message: /bind mount source 'rel'/ },
    { name: 'tiny memory limit', input: { memoryBytes: 1024 }, message: /memory limit must be an integer/ },
    { name: 'swap below memory', input: { memoryBytes: 64 << 20, memorySwapBytes: 32 << 20 }, message: /below the memory limit/ },
    { name: 'zero cpus', input: { cpus: 0 }, message: /cpus must be a positive number/ },
    { name: 'pids limit 0', input: { pidsLimit: 0 }, message: /pids limit/ },
    { name: 'userns without root mapping', input: { userns: { uidMap: [{ containerID: 1, hostID: 1, size: 1 }], gidMap: [] } }, message: /must map container id 0/ },
    { name: 'relative netns', input: { netns: 'n1' }, message: /network namespace 'n1'/ },
  ];
  for (const { name, input, message } of invalid) {
    it(`rejects ${name}`, () => {
      assert.throws(() => buildSpec({ ...base, ...input }), (err: Error) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }
});
