import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunning, parentPid, readLog, RuntimeFixture, useRuntimeFixture, waitFor } from './runtime-fixture.js';

const runtimeModule = fileURLToPath(new URL('../../../../engine/runtime/runc/runc-runtime.js', import.meta.url));

describe('engine/runtime/runc/runc-runtime monitor outlives the engine', () => {
  let f: RuntimeFixture;
  useRuntimeFixture((fixture) => { f = fixture; });

  it('keeps running and logging after the process that created it has exited', async () => {
    const b = f.bundle({ args: ['sh', '-c', 'echo started; while true; do sleep 0.2; [ -e /tmp/stop ] && break; done; echo stopping; exit 7'] });
    // A separate node process plays the engine: it creates and starts the container, prints
    // the pids and exits, as a crashing or restarting engine would.
    const script = path.join(f.dir, 'engine.mjs');
    fs.writeFileSync(script, [
      `import { RuncRuntime } from ${JSON.stringify(runtimeModule)};`,
      `const runtime = new RuncRuntime({ binary: 'runc', root: ${JSON.stringify(f.root)} });`,
      `const created = await runtime.create(${JSON.stringify(b.id)}, ${JSON.stringify(b.bundle)}, { logPath: ${JSON.stringify(b.logPath)}, exitDir: ${JSON.stringify(b.exitDir)} });`,
      `await runtime.start(${JSON.stringify(b.id)});`,
      'console.log(JSON.stringify({ ...created, engine: process.pid }));',
    ].join('\n'));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script], (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const { pid, conmonPid, engine } = JSON.parse(out) as { pid: number; conmonPid: number; engine: number };
    f.adoptConmon(conmonPid);

    assert.ok(!isRunning(engine), 'the engine process is gone');
    assert.equal((await f.runtime.state(b.id))?.status, 'running');
    assert.ok(isRunning(conmonPid) && isRunning(pid));
    assert.notEqual(parentPid(conmonPid), engine);
    assert.equal(parentPid(pid), conmonPid);

    // conmon still logs and still records the exit, with no engine around.
    fs.writeFileSync(path.join(b.rootfs, 'tmp/stop'), '');
    await waitFor(() => f.runtime.exitCode(b.id, b.exitDir) !== undefined);
    assert.equal(f.runtime.exitCode(b.id, b.exitDir)?.code, 7);
    assert.deepEqual(readLog(b.logPath).map((r) => r.text), ['started', 'stopping']);
    await waitFor(() => !isRunning(conmonPid));
  });
});
