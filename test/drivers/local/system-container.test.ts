/**
 * The pieces of system-container mode that need no running container: the OCI spec the
 * engine builds for one (cgroup namespace, the name=systemd tree writable, the controllers
 * not, setuid allowed), the cpuset a flavor gets, which requests ask for the mode, and
 * the cloud-config user entries refused before anything runs. The acceptance tests
 * (test/acceptance/vps-*.test.ts) boot real ones.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { bootModeOf } from '../../../api/compute/boot-mode.js';
import { bootableUserData } from '../../../api/orchestration/resources/boot-user-data.js';
import { buildSpec } from '../../../engine/runtime/spec/build-spec.js';
import { cpusetFor } from '../../../drivers/local/system-container.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

describe('system-container mode', () => {
  let rootfs: string;
  before(() => { rootfs = makeTempDir('system-spec'); });
  after(() => removeTempDir(rootfs));

  it('gives systemd a cgroup namespace and its own writable name=systemd tree, the controllers staying read-only', () => {
    const input = { image: { Cmd: ['/sbin/init'] }, rootfs, hostname: 'vps', cgroupsPath: '/intermodal/c1', nofileLimit: 1024 };
    const app = buildSpec(input);
    const system = buildSpec({ ...input, systemInit: true });
    assert.ok(!app.linux.namespaces.some((n) => n.type === 'cgroup'));
    assert.ok(system.linux.namespaces.some((n) => n.type === 'cgroup'));
    assert.equal(app.process.noNewPrivileges, true);
    assert.equal(system.process.noNewPrivileges, false, 'sudo and su work in a machine');
    const cgroup = system.mounts.find((m) => m.destination === '/sys/fs/cgroup')!;
    assert.ok(cgroup.options!.includes('ro'), 'the controllers (memory, cpu) stay read-only');
    if (fs.existsSync('/sys/fs/cgroup/systemd')) {
      const tree = system.mounts.find((m) => m.destination === '/sys/fs/cgroup/systemd')!;
      assert.deepEqual([tree.type, tree.source, tree.options!.includes('rw')], ['bind', '/sys/fs/cgroup/systemd/intermodal/c1', true]);
      assert.ok(system.mounts.indexOf(tree) > system.mounts.indexOf(cgroup), 'bound over the read-only cgroup mount');
    }
  });

  it('pins a flavor with fewer vCPUs than the host to that many CPUs, spread by instance id', () => {
    const host = [0, 1, 2, 3];
    assert.equal(cpusetFor('a', 4, host), undefined);
    assert.equal(cpusetFor('a', 8, host), undefined);
    assert.equal(cpusetFor('a', 1, host)!.split(',').length, 1);
    assert.equal(cpusetFor('a', 2.5, host)!.split(',').length, 3);
    assert.equal(cpusetFor('a', 1, host), cpusetFor('a', 1, host), 'the same instance lands on the same CPUs at every start');
    const used = new Set(Array.from({ length: 40 }, (_, i) => cpusetFor(`server-${i}`, 1, host)));
    assert.ok(used.size > 1, 'instances do not all land on one CPU');
  });

  it('boots system mode when the image property or the flavor extra spec asks for it, app mode otherwise', () => {
    assert.equal(bootModeOf({ properties: { intermodal_init: 'system' } }, { extraSpecs: {} }), 'system');
    assert.equal(bootModeOf({ properties: {} }, { extraSpecs: { 'intermodal:init': 'system' } }), 'system');
    assert.equal(bootModeOf({ properties: { intermodal_init: 'app' } }, { extraSpecs: { 'intermodal:init': 'system' } }), 'system');
    assert.equal(bootModeOf({ properties: { os_type: 'linux' } }, { extraSpecs: {} }), undefined);
  });

  it('refuses cloud-config users, groups and hostnames that cannot be names, naming the value', () => {
    const script = (yaml: string) => bootableUserData(`#cloud-config\n${yaml}`);
    assert.throws(() => script('users:\n  - name: "x; reboot"\n'), /user name "x; reboot" is not a valid name/);
    assert.throws(() => script('users:\n  - name: ok\n    groups: ["a b"]\n'), /group "a b" is not a valid name/);
    assert.throws(() => script('hostname: "bad_host!"\n'), /hostname "bad_host!" is not a valid hostname/);
    assert.throws(() => script('users:\n  - name: ok\n    uid: abc\n'), /uid "abc"/);
    assert.throws(() => script('users: alice\n'), /users must be a list/);
    assert.match(script('users:\n  - default\n  - carol\n'), /useradd -m 'carol'/);
  });
});
