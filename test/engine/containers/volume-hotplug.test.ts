import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { attachVolume, detachVolume } from '../../../engine/containers/volume-hotplug.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../../engine/errors.js';
import { isMountPoint } from '../../../engine/mount/index.js';
import { hasCapability } from '../../../engine/containers/volume-filesystem.js';
import { busyboxSpec, useContainerService } from './service-fixture.js';

const mib = 1024 * 1024;

/** The loop devices whose backing file lies under `dir` (`losetup -a`). */
function loopDevicesUnder(dir: string): string[] {
  return execFileSync('losetup', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dir));
}

describe('engine/containers/volume-hotplug: sized volumes mounted into running containers', function () {
  this.timeout(120_000);
  const fx = useContainerService('hotplug');

  async function sh(container: string, script: string): Promise<{ code: number; out: string }> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await fx.svc.exec(container, ['sh', '-c', script], { stdout: out, stderr: out });
    return { code, out: Buffer.concat(chunks).toString() };
  }

  it('a sized volume is an ext4 filesystem of that size: ENOSPC past it, and no loop device after removal', () => {
    const volume = fx.svc.volumes.create('sized', { sizeBytes: 32 * mib });
    assert.equal(volume.sizeBytes, 32 * mib);
    assert.ok(isMountPoint(volume.mountpoint), 'its filesystem is mounted on its data directory');
    assert.equal(loopDevicesUnder(fx.t.dataDir).length, 1, 'one loop device backs it');
    const stats = fs.statfsSync(volume.mountpoint);
    assert.ok(stats.blocks * stats.bsize <= 32 * mib && stats.blocks * stats.bsize > 24 * mib, `its size is about 32 MiB, not ${stats.blocks * stats.bsize}`);
    assert.throws(() => fs.writeFileSync(path.join(volume.mountpoint, 'big'), Buffer.alloc(40 * mib)), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
    fx.svc.volumes.remove('sized');
    assert.deepEqual(loopDevicesUnder(fx.t.dataDir), [], 'the loop device is released');
    assert.equal(fs.existsSync(path.dirname(volume.mountpoint)), false);
  });

  it('refuses a size too small to hold a filesystem or larger than the free disk, leaving nothing', () => {
    assert.throws(() => fx.svc.volumes.create('tiny', { sizeBytes: 0 }), InvalidArgumentError);
    assert.throws(() => fx.svc.volumes.create('tiny', { sizeBytes: 1.5 }), InvalidArgumentError);
    assert.throws(() => fx.svc.volumes.create('huge', { sizeBytes: 2 ** 52 }), /not enough disk space/);
    assert.deepEqual(fx.svc.volumes.list(), []);
    assert.equal(fs.existsSync(path.join(fx.t.dataDir, 'volumes', 'tiny')), false);
    assert.equal(fs.existsSync(path.join(fx.t.dataDir, 'volumes', 'huge')), false);
  });

  it('attaches to a running container without restarting it, detaches, reattaches with the data, and ends with the container', async () => {
    fx.svc.volumes.create('disk', { sizeBytes: 32 * mib });
    await fx.svc.create(busyboxSpec(['sleep', '600']), 'server');
    const before = await fx.svc.start('server');
    const capsBefore = (await sh('server', 'grep Cap /proc/1/status')).out;

    await attachVolume(fx.svc, 'server', 'disk', '/mnt/vdb');
    const after = await fx.svc.get('server');
    assert.equal(after.pid, before.pid, 'PID 1 is the same process');
    assert.equal(after.startedAt?.getTime(), before.startedAt?.getTime(), 'not restarted');
    const mountinfo = await sh('server', 'grep " /mnt/vdb " /proc/self/mountinfo');
    assert.match(mountinfo.out, / \/mnt\/vdb rw,nosuid,nodev[^ ]* .* ext4 /, 'an ext4 mount, nosuid and nodev');
    assert.equal((await sh('server', 'grep Cap /proc/1/status')).out, capsBefore, 'no capability gained');
    assert.equal((await sh('server', 'echo kept > /mnt/vdb/file && sync')).code, 0);
    const full = await sh('server', 'dd if=/dev/zero of=/mnt/vdb/big bs=1M count=40 2>&1; echo "rc=$?"');
    assert.match(full.out, /No space left on device/);
    assert.match(full.out, /rc=1/);
    await sh('server', 'rm /mnt/vdb/big');
    await assert.rejects(attachVolume(fx.svc, 'server', 'disk', '/mnt/other'), AlreadyExistsError);
    assert.throws(() => fx.svc.volumes.remove('disk'), /in use/);

    await detachVolume(fx.svc, 'server', 'disk');
    assert.equal((await sh('server', 'grep -c " /mnt/vdb " /proc/self/mountinfo')).out.trim(), '0', 'unmounted inside');
    assert.equal((await sh('server', 'test -e /mnt/vdb/file')).code, 1);
    await assert.rejects(detachVolume(fx.svc, 'server', 'disk'), NotFoundError);

    await attachVolume(fx.svc, 'server', 'disk', '/data/disk');
    assert.equal((await sh('server', 'cat /data/disk/file')).out, 'kept\n', 'the data is back after reattach');
    assert.equal((await fx.svc.get('server')).pid, before.pid);

    // A restart keeps the attachment: the next start mounts it as any volume.
    await fx.svc.stop('server', 1);
    await fx.svc.start('server');
    assert.equal((await sh('server', 'cat /data/disk/file')).out, 'kept\n');

    await fx.svc.remove('server', { force: true, volumes: true });
    assert.deepEqual(fx.svc.volumes.attachments('disk'), [], 'the attachment ends with the container');
    assert.equal(fs.readFileSync(path.join(fx.svc.volumes.get('disk').mountpoint, 'file'), 'utf8'), 'kept\n', 'the volume survives');
    fx.svc.volumes.remove('disk');
    assert.deepEqual(loopDevicesUnder(fx.t.dataDir), []);
  });

  it('grows a sized volume no container uses, keeping its data, and never shrinks it', () => {
    const volume = fx.svc.volumes.create('disk', { sizeBytes: 32 * mib });
    fs.writeFileSync(path.join(volume.mountpoint, 'file'), 'kept');
    const before = fs.statfsSync(volume.mountpoint);
    assert.equal(fx.svc.volumes.grow('disk', 64 * mib).sizeBytes, 64 * mib);
    const after = fs.statfsSync(volume.mountpoint);
    assert.ok(after.blocks * after.bsize > 1.8 * before.blocks * before.bsize, 'the filesystem grew');
    assert.equal(fs.readFileSync(path.join(volume.mountpoint, 'file'), 'utf8'), 'kept');
    fs.writeFileSync(path.join(volume.mountpoint, 'big'), Buffer.alloc(40 * mib));
    assert.throws(() => fx.svc.volumes.grow('disk', 32 * mib), /cannot shrink/);
    assert.equal(fx.svc.volumes.get('disk').sizeBytes, 64 * mib);
    fx.svc.volumes.remove('disk');
    assert.deepEqual(loopDevicesUnder(fx.t.dataDir), []);
  });

  it('grows a volume a running container uses online, or refuses unchanged without CAP_SYS_RESOURCE', async () => {
    fx.svc.volumes.create('disk', { sizeBytes: 32 * mib });
    await fx.svc.create(busyboxSpec(['sleep', '600']), 'server');
    const started = await fx.svc.start('server');
    await attachVolume(fx.svc, 'server', 'disk', '/mnt/vdb');
    await sh('server', 'echo kept > /mnt/vdb/file');
    const sizeKb = async () => Number((await sh('server', 'df -k /mnt/vdb | tail -1')).out.trim().split(/\s+/)[1]);
    const before = await sizeKb();
    if (hasCapability(24)) {
      assert.equal(fx.svc.volumes.grow('disk', 64 * mib).sizeBytes, 64 * mib);
      assert.ok(await sizeKb() > before * 1.8, 'the filesystem grew in the container');
    } else {
      // This host runs without CAP_SYS_RESOURCE (a confined sandbox): the refusal must change nothing.
      assert.throws(() => fx.svc.volumes.grow('disk', 64 * mib), /needs CAP_SYS_RESOURCE/);
      assert.equal(fx.svc.volumes.get('disk').sizeBytes, 32 * mib);
      assert.equal(await sizeKb(), before);
    }
    assert.equal((await sh('server', 'cat /mnt/vdb/file')).out, 'kept\n');
    assert.equal((await fx.svc.get('server')).pid, started.pid);
    await fx.svc.remove('server', { force: true });
    fx.svc.volumes.remove('disk');
    assert.deepEqual(loopDevicesUnder(fx.t.dataDir), []);
  });

  it('refuses a bad mount path or an unknown volume, changing nothing', async () => {
    fx.svc.volumes.create('disk', { sizeBytes: 32 * mib });
    await fx.svc.create(busyboxSpec(['sleep', '600']), 'server');
    await fx.svc.start('server');
    for (const bad of ['relative', '/', '/proc/x', '/dev/vdb', '/a/../b']) await assert.rejects(attachVolume(fx.svc, 'server', 'disk', bad), InvalidArgumentError, bad);
    await assert.rejects(attachVolume(fx.svc, 'server', 'missing', '/mnt/x'), NotFoundError);
    // A file where the mount point would be: the mount fails inside, and the record goes.
    await sh('server', 'echo x > /blocker');
    await assert.rejects(attachVolume(fx.svc, 'server', 'disk', '/blocker'), /ENOTDIR/);
    assert.deepEqual(fx.svc.volumes.attachments('disk'), []);
    await fx.svc.remove('server', { force: true });
    fx.svc.volumes.remove('disk');
  });
});
