import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openContainerService } from '../../../bin/cli/open-container-service.js';
import { crunUsable } from '../../../engine/host/host-check.js';
import { cliPath } from '../../helpers/cli.js';
import { readCgroupStats } from '../../../engine/containers/cgroup-stats.js';
import { readLog } from '../../../engine/containers/container-log.js';
import type { ContainerService } from '../../../engine/containers/container-service.js';
import type { ContainerSpec } from '../../../engine/containers/container-spec.js';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../../../engine/errors.js';
import { commitSnapshot } from '../../../engine/images/commit-snapshot.js';
import { importRootfs } from '../../../engine/images/import-rootfs.js';
import { mountAll } from '../../../engine/mount/index.js';
import { makeBusyboxRootfs } from '../../helpers/image-fixtures.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { mountsUnder, openTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { waitForProcessesUsing } from './service-fixture.js';

const spec = (cmd: string[] | undefined, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: 'test/busybox:1', ...(cmd && { cmd }), env: [], labels: {}, mounts: [], tmpfs: [], volumesFrom: [], readOnly: false, privileged: false,
  capAdd: [], capDrop: [], restartPolicy: { name: 'no', maximumRetryCount: 0 }, autoRemove: false, userns: false, runtime: 'runc', ...extra,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('engine/containers/container-service (real runc and conmon)', function () {
  this.timeout(60_000);
  let work: string;
  let t: TestEngine;
  let svc: ContainerService;
  const runcRoot = (): string => path.join(t.dataDir, 'runtime', 'runc');

  before(() => {
    work = makeTempDir('ctr-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    for (const applet of ['seq', 'grep', 'head', 'dd', 'wc']) fs.symlinkSync('busybox', path.join(work, 'rootfs/bin', applet));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    t = openTestEngine('containers');
    await importRootfs(t.engine, fs.createReadStream(path.join(work, 'rootfs.tar')), { ref: 'test/busybox:1', changes: ['CMD ["sh"]', 'VOLUME /data'] });
    svc = openContainerService(t.engine);
  });
  afterEach(async () => {
    const ids = svc.store.list().map((r) => r.id);
    const monitors = svc.store.list().map((r) => r.conmonPid).filter((pid): pid is number => pid !== undefined);
    for (const r of svc.store.list()) await svc.remove(r.id, { force: true, volumes: true }).catch(() => undefined);
    // Each container's conmon runs its exit callback and then exits; wait for those we started.
    await until('conmon monitors to exit', async () => (monitors.every((pid) => !alive(pid)) ? true : undefined), 10_000);
    // Also the monitors of containers a test removed itself, which it no longer lists.
    await waitForProcessesUsing(t.dataDir);
    const cgroups = ids.filter((id) => readCgroupStats(`/intermodal/${id}`) !== undefined);
    assert.deepEqual(cgroups, [], 'no cgroup is left');
    const leftover = execFileSync('runc', ['--root', runcRoot(), 'list', '-q'], { encoding: 'utf8' }).trim();
    const mounts = mountsUnder(t.dataDir);
    t.destroy();
    assert.equal(leftover, '', 'no runc container is left');
    assert.deepEqual(mounts, [], 'no mount is left');
  });

  it('runs to completion, recording exit code and timestamped output', async () => {
    const r = await svc.create(spec(['sh', '-c', 'echo out; echo err >&2; exit 3']));
    await svc.start(r.id);
    assert.equal(await svc.wait(r.id), 3);
    const lines = await readLog(svc.paths(r.id).log);
    assert.deepEqual(lines.map((l) => [l.stream, l.text]), [['stdout', 'out'], ['stderr', 'err']]);
    const after = await svc.get(r.id);
    assert.equal(after.status, 'exited');
    assert.deepEqual(mountsUnder(svc.paths(r.id).dir), [], 'an exited container holds no mount');
  });

  it('runs with Docker-default security: caps, no-new-privileges, seccomp, masked /proc', async () => {
    const r = await svc.create(spec(['sh', '-c', 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; cat /proc/kcore | wc -c']));
    await svc.start(r.id);
    await svc.wait(r.id);
    const text = (await readLog(svc.paths(r.id).log)).map((l) => l.text.replace(/\s+/g, ' ')).join('\n');
    assert.match(text, /CapEff: 00000000a80425fb/);
    assert.match(text, /NoNewPrivs: 1/);
    assert.match(text, /Seccomp: 2/);
    assert.match(text, /^0$/m, '/proc/kcore is masked');
  });

  it('execs, pauses, resumes, stops with SIGKILL after the timeout, and removes', async () => {
    const r = await svc.create(spec(['sleep', '300'], { env: ['GREETING=hi'] }), 'sleeper');
    await svc.start('sleeper');
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    assert.equal(await svc.exec('sleeper', ['sh', '-c', 'echo $GREETING $HOSTNAME; exit 5'], { stdout: out, stderr: out }), 5);
    assert.equal(Buffer.concat(chunks).toString(), `hi ${r.id.slice(0, 12)}\n`);
    assert.equal((await svc.pause('sleeper')).status, 'paused');
    assert.equal(fs.readFileSync(`/sys/fs/cgroup/freezer/intermodal/${r.id}/freezer.state`, 'utf8').trim(), 'FROZEN');
    assert.equal((await svc.unpause('sleeper')).status, 'running');
    await assert.rejects(svc.remove('sleeper'), FailedPreconditionError);
    assert.equal((await svc.get('sleeper')).status, 'running', 'a refused rm changes nothing');
    const stopped = await svc.stop('sleeper', 1);
    assert.equal(stopped.status, 'exited');
    assert.equal(stopped.exitCode, 137, 'sleep ignores SIGTERM as pid 1, so SIGKILL ends it');
    await svc.remove('sleeper');
    await assert.rejects(svc.get('sleeper'), NotFoundError);
    assert.equal(fs.existsSync(svc.paths(r.id).dir), false);
  });

  it('refuses a name in use and an unknown image, creating nothing', async () => {
    await svc.create(spec(['true']), 'taken');
    await assert.rejects(svc.create(spec(['true']), 'taken'), AlreadyExistsError);
    await assert.rejects(svc.create(spec(['true'], { image: 'no/such:1' })), NotFoundError);
    assert.equal(svc.store.list().length, 1);
    assert.equal((await t.engine.snapshots.list()).length, 1);
  });

  it('enforces limits: memory (OOM kill reported), pids, and CPU quota', async () => {
    const hog = await svc.create(spec(['sh', '-c', 'a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], { memoryBytes: 16 * 1024 * 1024 }));
    await svc.start(hog.id);
    assert.equal(await svc.wait(hog.id), 137);
    assert.equal((await svc.get(hog.id)).oomKilled, true);

    // The inner shell forks until the pids limit stops it; the outer one then execs (no fork) and stays up.
    const bomb = await svc.create(spec(['sh', '-c', 'sh -c "for i in \\$(seq 1 40); do sleep 30 & done"; exec sleep 30'], { pidsLimit: 10, cpus: 0.5 }));
    await svc.start(bomb.id);
    await until('a fork failure in the log', async () => ((await readLog(svc.paths(bomb.id).log)).some((l) => /can't fork/i.test(l.text)) ? true : undefined));
    const stats = readCgroupStats(svc.paths(bomb.id).cgroupsPath);
    assert.ok(stats, 'the container is still running after the fork failures');
    assert.equal(stats.pidsLimit, 10);
    assert.ok(stats.pids <= 10 && stats.pids >= 5, `pids in use: ${stats.pids}`);
    assert.deepEqual(stats.cpuQuota, { quotaMicros: 50000, periodMicros: 100000 });
  });

  it('restarts on failure as many times as the policy says, through conmon\'s exit command', async () => {
    const r = await svc.create(spec(['sh', '-c', 'exit 1'], { restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } }));
    await svc.start(r.id);
    const done = await until('two restarts and a final exit', async () => {
      const rec = svc.store.get(r.id);
      return rec.restartCount === 2 && rec.status === 'exited' ? rec : undefined;
    });
    assert.equal(done.exitCode, 1);
  });

  it('keeps running after the process that started it exits, and records the exit later', async () => {
    const cli = cliPath;
    const id = execFileSync(process.execPath, [cli, '--data-dir', t.dataDir, 'run', '-d', 'test/busybox:1', 'sh', '-c', 'sleep 1; exit 4'], { encoding: 'utf8' }).trim();
    assert.equal((await svc.get(id)).status, 'running', 'the container outlived the CLI process');
    assert.equal(await svc.wait(id), 4);
  });

  it('cleans up a crash between mount and start at reconcile', async () => {
    const r = await svc.create(spec(['true']));
    mountAll(await t.engine.snapshots.mounts(r.id), svc.paths(r.id).rootfs);
    assert.equal(mountsUnder(svc.paths(r.id).dir).length, 1);
    await svc.reconcile();
    assert.deepEqual(mountsUnder(svc.paths(r.id).dir), []);
    assert.equal((await svc.get(r.id)).status, 'created');
  });

  it('gives image VOLUMEs anonymous volumes seeded from the image, and diff/commit see the changes', async () => {
    const r = await svc.create(spec(['sh', '-c', 'echo kept > /data/file; echo new > /etc/motd; rm /bin/cat']));
    await svc.start(r.id);
    await svc.wait(r.id);
    const [volume] = svc.volumes.list();
    assert.equal(volume?.anonymous, true);
    assert.equal(fs.readFileSync(path.join(volume!.mountpoint, 'file'), 'utf8'), 'kept\n');
    assert.deepEqual((await svc.diff(r.id)).map((c) => `${c.kind} ${c.path}`), ['C /bin', 'D /bin/cat', 'A /data', 'C /etc', 'A /etc/motd']);
  });
});

describe('engine/containers/container-service: policies, runtimes and commit', function () {
  this.timeout(60_000);
  let work: string;
  let t: TestEngine;
  let svc: ContainerService;

  before(() => {
    work = makeTempDir('ctr-policy-fixtures');
    makeBusyboxRootfs(path.join(work, 'rootfs'));
    execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', path.join(work, 'rootfs.tar'), '.']);
  });
  after(() => removeTempDir(work));
  beforeEach(async () => {
    t = openTestEngine('containers-policy');
    await importRootfs(t.engine, fs.createReadStream(path.join(work, 'rootfs.tar')), { ref: 'test/busybox:1', changes: ['CMD ["sh"]'] });
    svc = openContainerService(t.engine);
  });
  afterEach(async () => {
    const monitors = svc.store.list().map((r) => r.conmonPid).filter((pid): pid is number => pid !== undefined);
    for (const r of svc.store.list()) await svc.remove(r.id, { force: true, volumes: true }).catch(() => undefined);
    await until('conmon monitors to exit', async () => (monitors.every((pid) => !alive(pid)) ? true : undefined), 10_000);
    // Also the monitors of containers a test removed itself, which it no longer lists.
    await waitForProcessesUsing(t.dataDir);
    const mounts = mountsUnder(t.dataDir);
    t.destroy();
    assert.deepEqual(mounts, []);
  });

  it('restarts an always container that exits by itself, but not one the user stopped', async () => {
    const r = await svc.create(spec(['sh', '-c', 'sleep 0.2; exit 0'], { restartPolicy: { name: 'always', maximumRetryCount: 0 } }));
    await svc.start(r.id);
    await until('two restarts', async () => (svc.store.get(r.id).restartCount >= 2 ? true : undefined));
    const stopped = await svc.stop(r.id, 1);
    assert.equal(stopped.status, 'exited');
    await sleep(600);
    const later = await svc.get(r.id);
    assert.equal(later.status, 'exited', 'a stop by the user is final');
    assert.equal(later.restartCount, stopped.restartCount);
  });

  it('restarts an unless-stopped container after a crash of its process, and not after a stop', async () => {
    const r = await svc.create(spec(['sleep', '300'], { restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 } }));
    const first = await svc.start(r.id);
    process.kill(first.pid!, 'SIGKILL');
    const restarted = await until('a restart after the kill', async () => {
      const rec = svc.store.get(r.id);
      return rec.status === 'running' && rec.restartCount === 1 ? rec : undefined;
    });
    assert.notEqual(restarted.pid, first.pid);
    assert.equal((await svc.stop(r.id, 1)).status, 'exited');
    await sleep(500);
    assert.equal((await svc.get(r.id)).status, 'exited');
  });

  it('runs the same container under crun where the host allows it, and says so where not', async () => {
    if (!crunUsable()) {
      // crun refuses hybrid cgroup v1/v2 hosts such as this CI machine; the choice must fail cleanly.
      await assert.rejects(svc.create(spec(['true'], { runtime: 'crun' })), /runtime 'crun' is not available on this host/);
      assert.deepEqual(svc.store.list(), []);
      return;
    }
    const r = await svc.create(spec(['sh', '-c', 'grep -E "^CapEff:" /proc/self/status; exit 6'], { runtime: 'crun' }));
    await svc.start(r.id);
    assert.equal(await svc.wait(r.id), 6);
    assert.match((await readLog(svc.paths(r.id).log)).map((l) => l.text).join('\n'), /CapEff:\s+00000000a80425fb/);
  });

  it('commits a running container (paused while read) into an image that runs with the change', async () => {
    const r = await svc.create(spec(['sh', '-c', 'echo committed > /greeting; exec sleep 300']));
    await svc.start(r.id);
    await until('the file to be written', async () => ((await svc.diff(r.id)).some((c) => c.path === '/greeting') ? true : undefined));
    await svc.pause(r.id);
    const image = await commitSnapshot(t.engine, r.id, { ref: 'test/committed:1', changes: ['CMD ["cat", "/greeting"]'] });
    await svc.unpause(r.id);
    const child = await svc.create(spec(undefined, { image: 'test/committed:1' }));
    await svc.start(child.id);
    assert.equal(await svc.wait(child.id), 0);
    assert.deepEqual((await readLog(svc.paths(child.id).log)).map((l) => l.text), ['committed']);
    assert.equal(t.engine.images.resolve('test/committed:1').id, image.id);
  });
});
