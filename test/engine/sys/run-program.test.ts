/**
 * Host programs run by the addon's thread (posix_spawn, no fork of the API server): what
 * child_process would report — exit code, or the signal that ended it, stdout and stderr
 * whole, stdin fed whole (or /dev/null), a program that stops reading its input early, a
 * program that does not exist (ENOENT) — and default signal handling in the program, though
 * Node ignores SIGPIPE.
 */
import assert from 'node:assert/strict';
import { runProgram } from '../../../engine/sys/run-program.js';

describe('engine/sys: runProgram', () => {
  it('reports the exit code, stdout and stderr, and feeds stdin', async () => {
    const r = await runProgram(['sh', '-c', 'cat; echo to-stderr >&2; exit 3'], 'to-stdin\n');
    assert.deepEqual({ code: r.code, signal: r.signal, out: r.stdout.toString(), err: r.stderr.toString() }, { code: 3, signal: null, out: 'to-stdin\n', err: 'to-stderr\n' });
  });

  it('passes megabytes both ways, and survives a program that reads none of its input', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    assert.equal((await runProgram(['cat'], big)).stdout.length, big.length);
    assert.equal((await runProgram(['sh', '-c', 'exit 0'], big)).code, 0);
  });

  it('gives the program /dev/null without input, default signal handling, and names a killing signal', async () => {
    assert.equal((await runProgram(['sh', '-c', 'cat; echo done'])).stdout.toString(), 'done\n');
    // `yes` dies of SIGPIPE when head stops reading, as it would from a shell; ignored, it would loop on EPIPE errors.
    assert.equal((await runProgram(['sh', '-c', 'yes | head -n 1'])).stdout.toString(), 'y\n');
    const killed = await runProgram(['sh', '-c', 'kill -KILL $$']);
    assert.deepEqual([killed.code, killed.signal], [null, 'SIGKILL']);
  });

  it('rejects a program that does not exist with ENOENT', async () => {
    await assert.rejects(runProgram(['intermodal-no-such-program']), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  });
});
