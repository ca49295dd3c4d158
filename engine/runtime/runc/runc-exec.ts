/**
 * `runc exec` of a process in a running container. The process spec starts from the
 * container's own (`config.json`'s `process`), so an exec'd process gets the same
 * capabilities, rlimits and no-new-privileges as the init process, and only args, env,
 * cwd and user are the caller's.
 *
 * runc's own messages go to a log file (`--log`), not to stderr: the process's stderr is
 * streamed to the caller, and a runc failure (container not running, program not found)
 * must not pass for the program's exit code 1.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecIO, ExecProcess } from '../runtime.js';
import type { OciProcess, OciSpec } from '../spec/oci-spec.js';
import { globalArgs, runtimeError, runtimeMessage, type RuncBinary } from './runc-cli.js';

/** The process spec for `process` in the container created from `bundle`. */
export function execProcessSpec(bundle: string, process: ExecProcess): OciProcess {
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as OciSpec;
  return { ...config.process, terminal: process.terminal ?? false, args: process.args, env: process.env, cwd: process.cwd, user: process.user };
}

/** Runs `spec` in container `id`, streaming to `io`; resolves with the program's exit code. */
export async function runcExec(runc: RuncBinary, id: string, spec: OciProcess, io: ExecIO): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intermodal-exec-'));
  const processFile = path.join(dir, 'process.json');
  const logFile = path.join(dir, 'runtime.log');
  fs.writeFileSync(processFile, JSON.stringify(spec), { mode: 0o600 });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      // With a terminal, runc itself holds the new pty's master in the foreground: it puts
      // the caller's terminal (its own stdio here) in raw mode, copies both ways, and
      // resizes the pty on SIGWINCH, which reaches it as part of our process group.
      const child = spawn(runc.path, [...globalArgs(runc), '--log', logFile, 'exec', '--process', processFile, id], {
        stdio: spec.terminal && io.terminal ? io.terminal : [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(io.stdout, { end: false });
      child.stderr?.pipe(io.stderr, { end: false });
      if (io.stdin && child.stdin) {
        // The program may exit without reading all its input; that is not our error.
        child.stdin!.on('error', () => undefined);
        io.stdin.pipe(child.stdin!);
      }
      child.on('error', (err) => reject(new Error(`cannot run ${runc.path}: ${err.message}`, { cause: err })));
      // 'close' rather than 'exit': resolve only after all of the output has been passed on.
      child.on('close', (status, signal) => {
        if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
        resolve(status ?? 128 + (signal ? os.constants.signals[signal] : 0));
      });
    });
    const failure = runtimeMessage(readLog(logFile));
    if (failure) throw runtimeError(`exec in ${id}: ${failure}`);
    return code;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
