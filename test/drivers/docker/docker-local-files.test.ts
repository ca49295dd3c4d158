/**
 * How the injected files reach an instance on a Docker daemon of this machine (a private
 * dockerd on a unix socket): written straight into the created container's layers, so the
 * daemon sees no archive request for them (its container events say so), the instance
 * reads them with their modes, and no mount is left behind; a path the checked write will
 * not follow (a directory symlink inside the image) goes through the daemon's archive API
 * instead, which follows it inside the container.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PowerState } from '../../../drivers/compute-driver.js';
import { DockerComputeDriver } from '../../../drivers/docker/index.js';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { spawnRequest, until } from '../local/driver-fixture.js';
import { useDockerDriver } from './docker-driver-fixture.js';

describe('drivers/docker: injected files on a daemon of this machine (private dockerd)', function () {
  this.timeout(120_000);
  const f = useDockerDriver('docker-local-files');

  /** The daemon's archive events (extract-to-dir for a PUT, archive-path for a HEAD or GET) on a container since `since`. */
  const archiveEvents = (name: string, since: number): string[] =>
    f.dockerd.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${name}`, '--format', '{{.Action}}'])
      .split('\n').filter((a) => a === 'extract-to-dir' || a === 'archive-path');
  const inside = (name: string, ...cmd: string[]): string => f.dockerd.docker(['exec', name, ...cmd]);
  const fillMounts = (): string[] => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes('intermodal-docker-fill'));

  it('writes the files and the boot script into the container without the archive API, and leaves no mount', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const info = await f.driver.spawn(spawnRequest('i-files', {
      files: [
        { path: '/mnt/config/openstack/latest/meta_data.json', contents: Buffer.from('{"uuid":"i-files"}') },
        { path: '/root/.ssh/authorized_keys', contents: Buffer.from('ssh-ed25519 AAAA key\n'), mode: 0o600 },
      ],
      bootScript: Buffer.from('#!/bin/sh\necho "boot script saw $(cat /mnt/config/openstack/latest/meta_data.json)"\n'),
    }));
    assert.equal(info.powerState, PowerState.RUNNING);
    assert.equal(inside('instance-i-files', 'cat', '/mnt/config/openstack/latest/meta_data.json'), '{"uuid":"i-files"}');
    assert.equal(inside('instance-i-files', 'stat', '-c', '%a %u %g', '/root/.ssh/authorized_keys', '/mnt/config/openstack').trim(), '600 0 0\n755 0 0');
    await until('the boot script\'s line', async () => ((await f.driver.getConsoleOutput('i-files')).includes('boot script saw {"uuid":"i-files"}') ? true : undefined));
    assert.deepEqual(archiveEvents('instance-i-files', since), [], 'the daemon was not asked to unpack or look up anything');
    // The files are the container's own, as an archive upload would have made them: a diff and a commit see them.
    assert.match(f.dockerd.docker(['diff', 'instance-i-files']), /^A \/mnt\/config\/openstack\/latest\/meta_data\.json$/m);
    assert.deepEqual(fillMounts(), []);
  });

  it('hands a path through a directory symlink of the image to the archive API, which follows it inside the container', async () => {
    const work = makeTempDir('docker-local-files-image');
    try {
      const rootfs = path.join(work, 'rootfs');
      makeBusyboxRootfs(rootfs);
      fs.symlinkSync('var/log', path.join(rootfs, 'data'));
      execFileSync('tar', ['-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.']);
      await importRootfs(f.t.engine, fs.createReadStream(path.join(work, 'rootfs.tar')), { ref: 'test/linked:1', changes: ['CMD ["sleep", "300"]'] });
    } finally {
      removeTempDir(work);
    }
    const since = Math.floor(Date.now() / 1000) - 1;
    const info = await f.driver.spawn(spawnRequest('i-linked', { image: 'test/linked:1', files: [{ path: '/data/note', contents: Buffer.from('through the link\n') }] }));
    assert.equal(info.powerState, PowerState.RUNNING);
    assert.equal(inside('instance-i-linked', 'cat', '/var/log/note'), 'through the link\n');
    assert.deepEqual(archiveEvents('instance-i-linked', since), ['extract-to-dir'], 'the daemon unpacked them');
    assert.deepEqual(fillMounts(), []);
  });

  it('cleans up the mount of a process that died while filling a container, and leaves a live one\'s alone', async () => {
    const dead = spawnSync('true').pid;
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const stale = fs.mkdtempSync(path.join(os.tmpdir(), `intermodal-docker-fill-${dead}-`));
    const busy = fs.mkdtempSync(path.join(os.tmpdir(), `intermodal-docker-fill-${live.pid}-`));
    try {
      for (const dir of [stale, busy]) execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
      new DockerComputeDriver(f.t.engine, { endpoint: `unix://${path.join(f.root, 'docker.sock')}` }).close();
      assert.equal(fs.existsSync(stale), false, 'the dead process\'s directory is gone');
      assert.deepEqual(fillMounts().map((l) => l.split(' ')[4]), [busy], 'only the live process\'s mount remains');
    } finally {
      live.kill();
      for (const dir of [stale, busy]) {
        if (fillMounts().some((l) => l.split(' ')[4] === dir)) execFileSync('umount', [dir]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
