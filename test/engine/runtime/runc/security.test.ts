import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readLog, RuntimeFixture, useRuntimeFixture, waitFor, type TestBundle } from './runtime-fixture.js';
import type { SpecInput } from '../../../../engine/runtime/spec/build-spec.js';

describe('engine/runtime/runc/runc-runtime security defaults (real runc)', () => {
  let f: RuntimeFixture;
  useRuntimeFixture((fixture) => { f = fixture; });

  /** Runs `script` in a fresh container to completion; its exit code and stdout+stderr text. */
  async function runScript(script: string, input: Partial<SpecInput> = {}, prepare?: (rootfs: string) => void): Promise<{ code: number; out: string; b: TestBundle }> {
    const b = f.bundle({ args: ['sh', '-c', script], ...input }, prepare);
    await f.run(b);
    await waitFor(() => f.runtime.exitCode(b.id, b.exitDir) !== undefined);
    return { code: f.runtime.exitCode(b.id, b.exitDir)!.code, out: readLog(b.logPath).map((r) => r.text).join('\n'), b };
  }

  const status = (field: string, out: string): string | undefined => new RegExp(`^${field}:\\s*(\\S+)`, 'm').exec(out)?.[1];

  it("has Docker's default capabilities, no-new-privileges and a seccomp filter", async () => {
    const { code, out } = await runScript('cat /proc/self/status');
    assert.equal(code, 0);
    assert.equal(status('CapEff', out), '00000000a80425fb');
    assert.equal(status('CapBnd', out), '00000000a80425fb');
    assert.equal(status('CapInh', out), '0000000000000000');
    assert.equal(status('CapAmb', out), '0000000000000000');
    assert.equal(status('NoNewPrivs', out), '1');
    assert.equal(status('Seccomp', out), '2');
  });

  it('keeps a non-root user without effective capabilities', async () => {
    const { out } = await runScript('id; grep CapEff /proc/self/status', { user: 'nobody' });
    assert.match(out, /uid=65534\(nobody\) gid=65534\(nogroup\)/);
    assert.equal(status('CapEff', out), '0000000000000000');
  });

  it('masks and write-protects host paths in /proc', async () => {
    // Which of them exist depends on the kernel's configuration (this CI kernel has no
    // /proc/kcore); each one that exists on the host must read as empty inside.
    const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug'].filter((p) => fs.existsSync(p));
    assert.ok(masked.length > 0);
    const reads = masked.map((p) => `echo "${p} $(wc -c < ${p})"`).join('; ');
    const { out } = await runScript(`${reads}; echo x > /proc/sysrq-trigger && echo sysrq-writable; echo 1 > /proc/sys/kernel/ns_last_pid && echo sys-writable; echo done`);
    for (const p of masked) assert.match(out, new RegExp(`^${p} 0$`, 'm'), `${p} is empty`);
    if (!fs.existsSync('/proc/kcore')) assert.doesNotMatch(out, /^\/proc\/kcore [1-9]/m);
    assert.doesNotMatch(out, /sysrq-writable|sys-writable/);
    assert.match(out, /Read-only file system/);
  });

  it('blocks namespace creation with seccomp even where the kernel would allow it', async () => {
    // Unprivileged user namespaces need no capability, so only the filter stops this.
    const { code, out } = await runScript('unshare -U true');
    assert.notEqual(code, 0);
    assert.match(out, /Operation not permitted/);
  });

  it('runs ordinary busybox tools under the filter', async () => {
    const { code, out } = await runScript('ls / > /dev/null && ps > /dev/null && top -b -n 1 > /dev/null && uname -a > /dev/null && cat /etc/passwd > /dev/null && (sleep 0 &) && wait && echo all-ok');
    assert.equal(code, 0, out);
    assert.match(out, /all-ok/);
  });

  it('has only loopback in its new network namespace, and its own hostname', async () => {
    const { out } = await runScript("hostname; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assert.deepEqual(out.split('\n'), ['box', 'lo']);
  });

  it('makes the root filesystem read-only with readOnly', async () => {
    const { code, out } = await runScript('touch /x', { readOnly: true });
    assert.notEqual(code, 0);
    assert.match(out, /Read-only file system/);
    const writable = await runScript('touch /x && echo wrote');
    assert.match(writable.out, /wrote/);
  });

  it('gives privileged containers every capability this host has, without seccomp or masks', async () => {
    const own = /^CapBnd:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
    const { out } = await runScript('cat /proc/self/status; wc -c < /proc/kcore', { privileged: true });
    assert.equal(status('CapEff', out), own);
    assert.equal(status('Seccomp', out), '0');
    assert.equal(status('NoNewPrivs', out), '0');
    assert.notEqual(out.split('\n').at(-1)?.trim(), '0', '/proc/kcore is not masked');
  });

  it('runs as the image user with its groups, home and working directory', async () => {
    const { out } = await runScript('id; echo "$HOME $PWD $HOSTNAME"', { image: { User: 'app', Env: ['PATH=/bin'], WorkingDir: '/tmp' } }, (rootfs) => {
      fs.appendFileSync(`${rootfs}/etc/passwd`, 'app:x:1000:1000::/home/app:/bin/sh\n');
      fs.appendFileSync(`${rootfs}/etc/group`, 'app:x:1000:\nwheel:x:10:app\n');
    });
    assert.match(out, /uid=1000\(app\) gid=1000\(app\) groups=(1000\(app\),)?10\(wheel\)/);
    assert.match(out, /\/home\/app \/tmp box/);
  });
});
