import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../../../engine/errors.js';
import { RuncRuntime } from '../../../../engine/runtime/runc/runc-runtime.js';
import { cgroupDir, cgroupV2, conmonPidsFor, isRunning, parentPid, readLog, RuntimeFixture, waitFor } from './runtime-fixture.js';

/** The lifecycle every runc-compatible runtime must get right; run once per installed runtime. */
function lifecycleSuite(binary: string): void {
  describe(`engine/runtime/runc/runc-runtime lifecycle (${binary})`, function () {
    let f: RuntimeFixture;

    before(async function () {
      if (!fs.existsSync(binary)) this.skip();
      // crun 1.8 refuses hybrid cgroup hosts whose v2 hierarchy has controllers (this CI's kind).
      const probe = new RuntimeFixture(binary);
      try {
        await probe.create(probe.bundle());
      } catch (err) {
        if (/hybrid mode not supported/.test((err as Error).message)) this.skip();
        throw err;
      } finally {
        await probe.cleanup();
        probe.dispose();
      }
    });
    beforeEach(() => {
      f = new RuntimeFixture(binary);
    });
    afterEach(async () => {
      await f.cleanup();
      assert.deepEqual(f.list(), [], 'the test left containers in its state root');
      f.dispose();
    });

    const exited = (b: { id: string; exitDir: string; bundle: string }) => waitFor(() => f.runtime.exitCode(b.id, b.exitDir, b.bundle) !== undefined);

    it('create returns once the container is created, under a detached conmon; start runs it', async () => {
      const b = f.bundle();
      const { pid, conmonPid } = await f.create(b);
      const state = await f.runtime.state(b.id);
      assert.deepEqual({ ...state, created: undefined }, { id: b.id, status: 'created', pid, bundle: b.bundle, created: undefined });
      assert.ok(isRunning(pid) && isRunning(conmonPid));
      assert.equal(parentPid(pid), conmonPid, 'conmon is the init process parent (subreaper)');
      assert.notEqual(parentPid(conmonPid), process.pid, 'conmon is not our child');
      assert.equal(fs.readFileSync(`/proc/${conmonPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3], String(conmonPid), 'conmon leads its own session');
      assert.equal(f.runtime.exitCode(b.id, b.exitDir, b.bundle), undefined);
      await f.runtime.start(b.id);
      assert.equal((await f.runtime.state(b.id))?.status, 'running');
    });

    it('start runs the program; conmon logs timestamped lines and records the exit code', async () => {
      const b = f.bundle({ args: ['sh', '-c', 'echo one; echo two >&2; printf partial; sleep 0; exit 3'] });
      await f.run(b);
      await exited(b);
      const status = f.runtime.exitCode(b.id, b.exitDir, b.bundle);
      assert.equal(status?.code, 3);
      assert.equal(status?.oomKilled, false);
      assert.ok(status && status.at.getTime() > 0);
      const records = readLog(b.logPath);
      for (const r of records) assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d)$/);
      // stdout and stderr are separate pipes, so only each stream's own order is defined.
      const stream = (name: string) => records.filter((r) => r.stream === name).map((r) => [r.tag, r.text]);
      assert.deepEqual(stream('stdout'), [['F', 'one'], ['P', 'partial']]);
      assert.deepEqual(stream('stderr'), [['F', 'two']]);
      assert.equal((await f.runtime.state(b.id))?.status, 'stopped');
    });

    it('start of a running or stopped container is refused', async () => {
      const b = f.bundle({ args: ['sh', '-c', 'exit 0'] });
      await f.run(b);
      await exited(b);
      await assert.rejects(f.runtime.start(b.id), FailedPreconditionError);
    });

    it('kill delivers signals: SIGTERM to every process, SIGKILL to a pid-1 sleep', async () => {
      // A pid-1 process gets only the signals it handles; `sleep` handles none, so SIGTERM
      // reaches it when it is not pid 1 (all=true), and SIGKILL always does.
      const term = f.bundle({ args: ['sh', '-c', 'sleep 300 & wait $!'] });
      await f.run(term);
      await f.runtime.kill(term.id, 'SIGTERM', true);
      await exited(term);
      assert.equal(f.runtime.exitCode(term.id, term.exitDir)?.code, 143);

      const sleeper = f.bundle({ args: ['sleep', '300'] });
      await f.run(sleeper);
      await f.runtime.kill(sleeper.id, 9);
      await exited(sleeper);
      assert.equal(f.runtime.exitCode(sleeper.id, sleeper.exitDir)?.code, 137);
      await assert.rejects(f.runtime.kill(sleeper.id, 'SIGTERM'), FailedPreconditionError);
      await assert.rejects(f.runtime.kill(sleeper.id, 'NOT A SIGNAL'), InvalidArgumentError);
    });

    it('pause freezes the container and resume thaws it', async () => {
      const b = f.bundle();
      await f.run(b);
      await f.runtime.pause(b.id);
      assert.equal((await f.runtime.state(b.id))?.status, 'paused');
      const freezer = cgroupV2 ? fs.readFileSync(path.join(cgroupDir(b.cgroupsPath, ''), 'cgroup.freeze'), 'utf8').trim() : fs.readFileSync(path.join(cgroupDir(b.cgroupsPath, 'freezer'), 'freezer.state'), 'utf8').trim();
      assert.equal(freezer, cgroupV2 ? '1' : 'FROZEN');
      await assert.rejects(f.runtime.pause(b.id), FailedPreconditionError);
      await f.runtime.resume(b.id);
      assert.equal((await f.runtime.state(b.id))?.status, 'running');
      await assert.rejects(f.runtime.resume(b.id), FailedPreconditionError);
    });

    it('exec runs a process with its env, streams its output and returns its exit code', async () => {
      const b = f.bundle();
      await f.run(b);
      const result = await f.exec(b.id, ['sh', '-c', 'echo "x is $X"; echo oops >&2; exit 5'], { env: ['PATH=/bin', 'X=forty-two'] });
      assert.deepEqual(result, { code: 5, stdout: 'x is forty-two\n', stderr: 'oops\n' });
      assert.deepEqual(await f.exec(b.id, ['cat'], { stdin: 'piped in' }), { code: 0, stdout: 'piped in', stderr: '' });
      // The exec'd process shares the container's namespaces and limits.
      assert.equal((await f.exec(b.id, ['hostname'])).stdout, 'box\n');
      assert.match((await f.exec(b.id, ['sh', '-c', 'kill -TERM $$'])).code.toString(), /^143$/);
    });

    it('exec of a missing program or in a stopped container fails instead of returning a code', async () => {
      const b = f.bundle({ args: ['sh', '-c', 'sleep 300'] });
      await f.run(b);
      await assert.rejects(f.exec(b.id, ['/no/such/tool']), (err: Error) => err instanceof InvalidArgumentError && /\/no\/such\/tool/.test(err.message));
      await f.runtime.kill(b.id, 'KILL', true);
      await exited(b);
      await assert.rejects(f.exec(b.id, ['true']), FailedPreconditionError);
      await assert.rejects(f.exec('imtest-unknown', ['true']), NotFoundError);
    });

    it('delete removes the runtime state; a second delete resolves', async () => {
      const b = f.bundle();
      await f.run(b);
      await assert.rejects(f.runtime.delete(b.id), FailedPreconditionError);
      await f.runtime.delete(b.id, { force: true });
      assert.equal(await f.runtime.state(b.id), undefined);
      assert.deepEqual(f.list(), []);
      await f.runtime.delete(b.id);
      await f.runtime.delete(b.id, { force: true });
      await exited(b);
      assert.equal(f.runtime.exitCode(b.id, b.exitDir)?.code, 137);
    });

    it('a create with a missing entrypoint throws naming it and leaves no state and no conmon', async () => {
      const b = f.bundle({ args: ['/no/such'] });
      await assert.rejects(f.create(b), (err: Error) => err instanceof InvalidArgumentError && /\/no\/such/.test(err.message) && /no such file or directory/.test(err.message));
      assert.deepEqual(f.list(), []);
      assert.deepEqual(conmonPidsFor(b.id), []);
      assert.equal(f.runtime.exitCode(b.id, b.exitDir), undefined);
    });

    it('a create with a broken bundle fails cleanly', async () => {
      const b = f.bundle();
      const config = JSON.parse(fs.readFileSync(path.join(b.bundle, 'config.json'), 'utf8'));
      config.root.path = path.join(b.bundle, 'missing-rootfs');
      fs.writeFileSync(path.join(b.bundle, 'config.json'), JSON.stringify(config));
      await assert.rejects(f.create(b), /missing-rootfs|no such file or directory/);
      assert.deepEqual(f.list(), []);
      assert.deepEqual(conmonPidsFor(b.id), []);
      fs.writeFileSync(path.join(b.bundle, 'config.json'), '{not json');
      await assert.rejects(f.create(b), /config.json is not JSON/);
      await assert.rejects(f.runtime.create(b.id, path.join(f.dir, 'no-bundle'), { logPath: b.logPath, exitDir: b.exitDir }), InvalidArgumentError);
    });

    it('a create that hangs is given up after the create timeout, leaving nothing behind', async () => {
      // A createRuntime hook (run on the host during create) that waits for a file we write
      // afterwards: create cannot finish until then.
      const b = f.bundle();
      const release = path.join(f.dir, 'release-hook');
      const config = JSON.parse(fs.readFileSync(path.join(b.bundle, 'config.json'), 'utf8'));
      config.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `while [ ! -e ${release} ]; do sleep 0.05; done`] }] };
      fs.writeFileSync(path.join(b.bundle, 'config.json'), JSON.stringify(config));
      const impatient = new RuncRuntime({ binary, root: f.root, createTimeoutMs: 300 });
      try {
        await assert.rejects(impatient.create(b.id, b.bundle, { logPath: b.logPath, exitDir: b.exitDir }), /did not finish within 300 ms/);
        assert.deepEqual(f.list(), []);
        assert.deepEqual(conmonPidsFor(b.id), []);
        assert.ok(!fs.existsSync(cgroupDir(b.cgroupsPath, 'pids')), 'no cgroup left behind');
      } finally {
        fs.writeFileSync(release, '');
      }
    });

    it('refuses a second create of the same id and leaves the first alone', async () => {
      const b = f.bundle();
      await f.run(b);
      await assert.rejects(f.create(b), AlreadyExistsError);
      assert.equal((await f.runtime.state(b.id))?.status, 'running');
    });

    it('list reports every container of its root with its status', async () => {
      const a = f.bundle();
      const c = f.bundle();
      await f.create(a);
      await f.run(c);
      const listed = (await f.runtime.list()).map((s) => [s.id, s.status]).sort();
      assert.deepEqual(listed, [[a.id, 'created'], [c.id, 'running']].sort());
    });

    it('rejects ids that are not plain names', async () => {
      for (const id of ['../x', 'a/b', '', '.hidden', 'a b']) {
        await assert.rejects(f.runtime.state(id), InvalidArgumentError, id);
      }
    });
  });
}

lifecycleSuite('/usr/sbin/runc');
lifecycleSuite('/usr/bin/crun');
