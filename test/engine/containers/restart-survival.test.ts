import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.js';
import { mountsUnder } from '../../helpers/test-engine.js';
import { alive, busyboxSpec, until, useContainerService } from './service-fixture.js';

const starter = path.join(path.dirname(fileURLToPath(import.meta.url)), 'starter-process.js');

/** Runs starter-process.js; resolves with its JSON line and a way to kill it and wait for its end. */
function startStarter(dataDir: string, mode: string): Promise<{ report: Record<string, unknown>; pid: number; ended: Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, [starter, dataDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve({ report: JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, unknown>, pid: child.pid!, ended });
    });
    child.on('error', reject);
    void ended.then((signal) => (text.includes('\n') ? undefined : reject(new Error(`starter-process ${mode} ended (${signal}) before reporting`))));
  });
}

/** A process's state letter from /proc (R, S, Z, ...), or 'gone'. */
function processState(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

describe('engine/containers restart survival (a SIGKILLed engine process, real runc and conmon)', function () {
  this.timeout(60_000);
  const fx = useContainerService('survival');

  it('keeps containers running after their starter is SIGKILLed, and a new process records the exits meanwhile', async () => {
    const { t } = fx;
    const starterRun = await startStarter(t.dataDir, 'start');
    const { running, exiting, monitors } = starterRun.report as { running: string; exiting: string; monitors: number[] };
    fx.extraMonitors.push(...monitors);
    process.kill(starterRun.pid, 'SIGKILL');
    assert.equal(await starterRun.ended, 'SIGKILL');
    // The second container exits a second after it started, with nobody to hear it but conmon.
    await until('the second monitor to exit', () => (alive(monitors[1]!) ? undefined : true));

    const ps = await runCli(t.dataDir, ['ps', '-a', '--format', 'json']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = JSON.parse(ps.stdout) as { Id: string; State: string; ExitCode: number }[];
    const row = (id: string) => rows.find((r) => r.Id === id);
    assert.equal(row(running)?.State, 'running');
    assert.deepEqual([row(exiting)?.State, row(exiting)?.ExitCode], ['exited', 7]);
    const inspected = JSON.parse((await runCli(t.dataDir, ['inspect', 'survivor', 'quitter'])).stdout) as { State: { Status: string; Pid: number; ExitCode: number; FinishedAt: string } }[];
    assert.equal(inspected[0]!.State.Status, 'running');
    assert.ok(alive(inspected[0]!.State.Pid), 'its process is the one still running');
    assert.deepEqual([inspected[1]!.State.Status, inspected[1]!.State.ExitCode], ['exited', 7]);
    assert.ok(Date.parse(inspected[1]!.State.FinishedAt) > 0, 'with the time it exited');
    assert.deepEqual(mountsUnder(fx.svc.paths(exiting).dir), [], 'the exited one\'s rootfs is unmounted');

    // The adopted container is fully usable from the new process.
    assert.deepEqual([(await runCli(t.dataDir, ['exec', 'survivor', 'echo', 'adopted'])).stdout], ['adopted\n']);
    assert.equal((await runCli(t.dataDir, ['stop', '-t', '1', 'survivor'])).code, 0);
    assert.equal((await fx.svc.get(running)).status, 'exited');
  });

  it('rm -f of a running container ends its monitor with it, leaving no exit callback behind', async () => {
    const { svc } = fx;
    const r = await svc.create(busyboxSpec(['sleep', '300']));
    const started = await svc.start(r.id);
    await svc.remove(r.id, { force: true });
    // Killed, not exiting on its own (it would exec the exit callback in place): when rm -f
    // returns it is gone or a zombie waiting to be reaped, never still running.
    assert.match(processState(started.conmonPid!), /^(gone|Z)$/, 'conmon was killed with the container');
    assert.equal(fs.existsSync(svc.paths(r.id).dir), false);
    assert.equal(svc.store.find(r.id), undefined);
  });

  for (const point of ['mount', 'create'] as const) {
    it(`cleans up, at reconcile, an engine process killed right after the runtime ${point === 'mount' ? 'rootfs mount' : 'create'}`, async () => {
      const { svc, t } = fx;
      const crashed = await startStarter(t.dataDir, `crash-after-${point}`);
      const id = crashed.report.id as string;
      assert.equal(await crashed.ended, 'SIGKILL');
      assert.equal(mountsUnder(svc.paths(id).dir).length, 1, 'the crash left the rootfs mounted');
      const runcRoot = path.join(t.dataDir, 'runtime', 'runc');
      const leftState = execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).trim();
      assert.equal(leftState, point === 'create' ? id : '', 'after create, runc state and a monitor are left too');
      const monitorFile = path.join(svc.paths(id).dir, 'conmon.pid');
      const monitor = fs.existsSync(monitorFile) ? Number(fs.readFileSync(monitorFile, 'utf8')) : undefined;
      assert.equal(monitor !== undefined && alive(monitor), point === 'create');
      if (monitor !== undefined) fx.extraMonitors.push(monitor);

      await svc.reconcile();
      assert.deepEqual(mountsUnder(svc.paths(id).dir), []);
      assert.equal(execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).trim(), '');
      assert.equal((await svc.get(id)).status, 'created');
      if (monitor !== undefined) await until('the orphaned monitor to exit', () => (alive(monitor) ? undefined : true), 10_000);
      // Settled, not just tidied: the container starts and runs as if nothing had happened.
      await svc.start(id);
      assert.equal(await svc.wait(id), 5);
    });
  }
});
