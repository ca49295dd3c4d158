/**
 * Starting a container under conmon, and knowing when its create has finished.
 *
 * conmon forks once: the first process writes the daemon's pid to `--conmon-pidfile` and
 * exits; the daemon calls setsid, puts /dev/null on its stdio, becomes the subreaper of the
 * container and runs `<runtime> create`. When create returns, the daemon writes one JSON
 * line to the sync pipe (the fd named by `_OCI_SYNCPIPE`): `{"data": <init pid>}`, or on
 * failure `{"data": -1, "message": "<the runtime's stderr>"}` and exits. We therefore wait
 * for that line, never for a time; on failure also for the pipe's end of file, which comes
 * when the daemon (the pipe's only other holder: it is close-on-exec) has exited.
 *
 * The start pipe (`_OCI_STARTPIPE`) is not used: it only lets the caller move conmon into
 * a cgroup before it forks, and the engine leaves conmon in its own cgroup for now.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../errors.js';
import type { CreateOptions, CreatedContainer } from '../runtime.js';
import type { OciRlimit } from '../spec/oci-spec.js';
import { globalArgs, runtimeError, runtimeMessage, type RuncBinary } from './runc-cli.js';
import { ownHardLimits, raiseHardLimitOptions } from './rlimits.js';

/** Everything conmon needs to create one container. */
export interface ConmonLaunch {
  /** Absolute path of the conmon executable. */
  conmon: string;
  /** Absolute path of util-linux's prlimit, used when the spec's rlimits exceed ours (see rlimits.ts). */
  prlimit: string;
  /** The spec's `process.rlimits`. */
  rlimits: OciRlimit[];
  runtime: RuncBinary;
  id: string;
  bundle: string;
  /** Where conmon links attach sockets; must be a short path (sun_path holds 108 bytes). */
  socketDir: string;
  options: CreateOptions;
}

/** The per-container files conmon writes into the persist dir. */
export function monitorFiles(persistDir: string): { conmonPid: string; initPid: string; oom: string } {
  return { conmonPid: path.join(persistDir, 'conmon.pid'), initPid: path.join(persistDir, 'init.pid'), oom: path.join(persistDir, 'oom') };
}

/** conmon's command line for `launch`. */
export function conmonArgs(launch: ConmonLaunch): string[] {
  const { id, bundle, options } = launch;
  const files = monitorFiles(options.persistDir ?? bundle);
  return [
    '--api-version', '1',
    '--cid', id, '--cuuid', id, '--name', id,
    '--runtime', launch.runtime.path,
    ...globalArgs(launch.runtime).map((arg) => `--runtime-arg=${arg}`),
    '--bundle', bundle,
    '--container-pidfile', files.initPid,
    '--conmon-pidfile', files.conmonPid,
    '--log-path', `k8s-file:${options.logPath}`,
    ...(options.logSizeMax !== undefined ? ['--log-size-max', String(options.logSizeMax)] : []),
    '--exit-dir', options.exitDir,
    '--persist-dir', options.persistDir ?? bundle,
    '--socket-dir-path', launch.socketDir,
    ...(options.terminal ? ['--terminal'] : []),
    ...(options.stdin ? ['--stdin'] : []),
    ...exitCommandArgs(options.exitCommand),
  ];
}

function exitCommandArgs(command: string[] | undefined): string[] {
  if (!command || command.length === 0) return [];
  const [program, ...args] = command;
  // conmon execv()s it: no PATH search.
  if (!path.isAbsolute(program!)) throw new InvalidArgumentError(`exit command '${program}' must be an absolute path`);
  return [`--exit-command=${program}`, ...args.map((arg) => `--exit-command-arg=${arg}`)];
}

/**
 * Starts conmon for `launch` and resolves once the runtime's create has finished, with the
 * init and conmon pids. On failure rejects with the runtime's message after conmon has
 * exited; removing any runtime state is the caller's part.
 */
export async function launchConmon(launch: ConmonLaunch, timeoutMs: number): Promise<CreatedContainer> {
  const { id, options } = launch;
  const persistDir = options.persistDir ?? launch.bundle;
  const files = monitorFiles(persistDir);
  for (const dir of [options.exitDir, persistDir, path.dirname(options.logPath), launch.socketDir]) fs.mkdirSync(dir, { recursive: true });
  for (const stale of [path.join(options.exitDir, id), files.oom, files.conmonPid, files.initPid]) fs.rmSync(stale, { force: true });

  const raise = raiseHardLimitOptions(launch.rlimits, ownHardLimits());
  // prlimit execs conmon in place: same pid, same descriptors, higher hard limits.
  const [program, args] = raise.length > 0 ? [launch.prlimit, [...raise, '--', launch.conmon, ...conmonArgs(launch)]] : [launch.conmon, conmonArgs(launch)];
  const child = spawn(program, args, {
    // stderr is a pipe only for conmon's complaints before it forks (a bad option); the
    // daemon replaces it with /dev/null at once, so nothing of ours outlives this call.
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3' },
    cwd: persistDir, // conmon also drops an `oom` file in its working directory
    detached: true,
  });
  child.unref();
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  // 'exit', not 'close': the daemon keeps the sync pipe, so our streams stay open after the first process exits.
  const firstExited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const spawnFailed = new Promise<never>((_, reject) => child.on('error', (err) => reject(new Error(`cannot run ${program}: ${err.message}`, { cause: err }))));
  const sync = readSyncPipe(child.stdio[3] as Readable);

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // conmon's runtime child dies with it (PR_SET_PDEATHSIG); the caller deletes the state.
      killQuietly(readPid(files.conmonPid));
      // Only while it is still ours: once reaped, its pid may belong to anyone.
      if (child.exitCode === null && child.signalCode === null) killQuietly(child.pid);
      reject(new CreateTimedOut(`${launch.runtime.path} create ${id} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  });
  try {
    const report = await Promise.race([sync.report, spawnFailed, timedOut]);
    if (report.data > 0) {
      // The first process writes the daemon's pid before exiting; its exit makes the file complete.
      await Promise.race([firstExited, timedOut]);
      const conmonPid = readPid(files.conmonPid);
      if (conmonPid === undefined) throw new Error(`conmon did not write its pid file ${files.conmonPid}`);
      return { pid: report.data, conmonPid };
    }
    await Promise.race([sync.closed, timedOut]);
    await firstExited;
    const reason = report.message ?? (Buffer.concat(stderr).toString('utf8').trim() || `conmon exited without creating container ${id}`);
    throw runtimeError(runtimeMessage(reason) || reason, reason);
  } finally {
    clearTimeout(timer);
    // conmon writes nothing more for a create; closing our end just frees the descriptor.
    sync.detach();
  }
}

/**
 * A create abandoned at the timeout: conmon was killed mid-create, so runc may have left a
 * cgroup with a half-started init in it, which only the caller can clean up.
 */
export class CreateTimedOut extends Error {}

/** The sync pipe's first report (`data` and maybe `message`), and its end of file. */
function readSyncPipe(pipe: Readable): { report: Promise<{ data: number; message?: string }>; closed: Promise<void>; detach: () => void } {
  let buffer = '';
  let reported = false;
  let resolveReport!: (r: { data: number; message?: string }) => void;
  const report = new Promise<{ data: number; message?: string }>((resolve) => (resolveReport = resolve));
  const closed = new Promise<void>((resolve) => pipe.once('close', () => resolve()));
  pipe.setEncoding('utf8');
  pipe.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while (!reported && (newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      const message = parseReport(line);
      if (message) {
        reported = true;
        resolveReport(message);
      }
    }
  });
  pipe.once('close', () => {
    if (!reported) resolveReport({ data: -1, ...(buffer.trim() !== '' && { message: buffer.trim() }) });
  });
  pipe.on('error', () => undefined);
  return { report, closed, detach: () => pipe.destroy() };
}

function parseReport(line: string): { data: number; message?: string } | undefined {
  try {
    const value = JSON.parse(line) as { data?: unknown; message?: unknown };
    if (typeof value.data !== 'number') return undefined;
    return { data: value.data, ...(typeof value.message === 'string' && value.message !== '' && { message: value.message }) };
  } catch {
    return undefined;
  }
}

/** A pid from a pid file, or undefined when it is missing or not a pid. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
