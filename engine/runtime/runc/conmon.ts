/**
 * Starting a container under conmon. conmon double-forks so that it outlives us, runs
 * `runc create`, and reports the result on its sync pipe (fd 3, named by `_OCI_SYNCPIPE`):
 * `{"data": <pid>}` once runc create has returned, or `{"data": -1, "message": "..."}`.
 * Waiting on that pipe is how create knows it is done, with no sleep and no polling.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CreateOptions } from '../runtime.js';

/** What conmon needs besides the create options. */
export interface ConmonLaunch {
  id: string;
  bundle: string;
  runtimeBinary: string;
  runtimeRoot: string;
  options: CreateOptions;
}

/** Starts conmon for `launch`; resolves with the container's init pid once runc create finished. */
export async function launchConmon(launch: ConmonLaunch): Promise<{ pid: number; monitorPid: number }> {
  const { id, bundle, options } = launch;
  fs.mkdirSync(options.exitDir, { recursive: true });
  fs.rmSync(path.join(options.exitDir, id), { force: true });
  const conmonPidFile = path.join(bundle, 'conmon.pid');
  const args = [
    '--api-version', '1', '-c', id, '-u', id, '-n', id,
    '-r', launch.runtimeBinary, '--runtime-arg', '--root', '--runtime-arg', launch.runtimeRoot,
    '-b', bundle, '-p', path.join(bundle, 'init.pid'), '-P', conmonPidFile,
    '-l', `k8s-file:${options.logPath}`, '--exit-dir', options.exitDir, '-0', bundle,
    '--socket-dir-path', socketDir(launch.runtimeRoot), '--log-level', 'error',
    ...(options.exitCommand ? exitCommandArgs(options.exitCommand) : []),
  ];
  fs.mkdirSync(socketDir(launch.runtimeRoot), { recursive: true });
  // conmon's own messages go to a file: it outlives us, so it must not hold a pipe of ours.
  const diagnostics = fs.openSync(path.join(bundle, 'conmon.err'), 'w');
  const child = spawn('conmon', args, {
    stdio: ['ignore', diagnostics, diagnostics, 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3' },
    detached: true,
  });
  fs.closeSync(diagnostics);
  child.unref();
  const report = await readSyncPipe(child.stdio[3] as Readable);
  if (report.data < 0 || report.message) {
    const conmonErr = safeRead(path.join(bundle, 'conmon.err'));
    throw new Error(cleanMessage(report.message ?? conmonErr) || `conmon failed to create container ${id}`);
  }
  const monitorPid = Number(safeRead(conmonPidFile).trim());
  return { pid: report.data, monitorPid };
}

/** Beside the runtime root, not in it: runc takes every directory in its root for a container. */
function socketDir(runtimeRoot: string): string {
  return `${runtimeRoot}-sockets`;
}

function exitCommandArgs(command: string[]): string[] {
  const [program, ...rest] = command;
  return ['--exit-command', program!, ...rest.flatMap((arg) => ['--exit-command-arg', arg])];
}

/** Reads JSON messages from the sync pipe until one carries `data`. */
function readSyncPipe(pipe: Readable): Promise<{ data: number; message?: string }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const finish = (value: { data: number; message?: string }): void => {
      pipe.removeAllListeners();
      pipe.destroy();
      resolve(value);
    };
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      buffer += chunk;
      for (const match of buffer.matchAll(/\{[^{}]*\}/g)) {
        const message = JSON.parse(match[0]) as { data?: number; message?: string };
        if (typeof message.data === 'number') finish({ data: message.data, ...(message.message !== undefined && { message: message.message }) });
      }
    });
    pipe.on('end', () => finish({ data: -1, message: buffer.trim() || 'conmon exited without reporting the container' }));
    pipe.on('error', reject);
  });
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** runc's error, without conmon's and logrus's decorations. */
function cleanMessage(text: string): string {
  const msg = [...text.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"')).at(-1);
  return (msg ?? text).replace(/^.*?runc create failed: /s, '').trim();
}
