/**
 * Running a container attached, as `docker run -it` and `docker start -ai` do: its output
 * (through conmon's attach socket) to our stdout and stderr, our stdin to it with `-i`,
 * and with `-t` our terminal in raw mode, its size followed, so that keys such as ^C reach
 * the container's terminal and are handled there. The exit code is the container's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerService } from '../../engine/containers/container-service.js';
import { InvalidArgumentError } from '../../engine/errors.js';
import type { AttachSession } from '../../engine/runtime/runtime.js';

/** Our stdio, as the CLI has it. */
export interface AttachedStdio {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  stderr: NodeJS.WritableStream;
}

/** Docker's refusal, checked before anything is created: `-it` needs a terminal to read keys from. */
export function checkTerminalInput(interactive: boolean, tty: boolean, stdin: NodeJS.ReadStream): void {
  if (interactive && tty && !stdin.isTTY) throw new InvalidArgumentError('the input device is not a TTY; leave out -t, or run from a terminal');
}

/**
 * Starts container `id` (or attaches to it when it runs already) and relays its stdio
 * until it exits; resolves with its exit code.
 */
export async function runAttached(svc: ContainerService, id: string, stdio: AttachedStdio, options: { interactive: boolean; tty: boolean }): Promise<number> {
  const followSize = options.tty && stdio.stdout.isTTY === true;
  const sendSize = (session: AttachSession): void => {
    if (stdio.stdout.rows && stdio.stdout.columns) session.resize(stdio.stdout.rows, stdio.stdout.columns);
  };
  // The terminal goes raw before the container starts: its first output (a shell's banner)
  // may arrive before startAttached returns, and must not be reprocessed on the way.
  const restoreTerminal = options.interactive ? rawTerminal(stdio.stdin, options.tty) : () => undefined;
  let session: AttachSession;
  try {
    ({ session } = await svc.startAttached(id, (s) => {
      s.onOutput((stream, data) => (stream === 'stderr' ? stdio.stderr : stdio.stdout).write(data));
      // Sized before the program starts, so that it sees the right size from the first draw.
      if (followSize) sendSize(s);
    }));
  } catch (err) {
    restoreTerminal();
    throw err;
  }
  const onResize = (): void => sendSize(session);
  if (followSize) stdio.stdout.on('resize', onResize);
  const stopInput = options.interactive ? relayInput(session, stdio.stdin) : () => undefined;
  try {
    await session.closed;
  } finally {
    // The terminal first: stopping the input destroys our stdin stream.
    restoreTerminal();
    stopInput();
    if (followSize) stdio.stdout.off('resize', onResize);
  }
  return exitCode(svc, id);
}

/**
 * With -t on a terminal, puts it in raw mode without output processing; returns the function
 * that restores it. Node's raw mode keeps output processing, so our terminal would turn the
 * container terminal's "\r\n" into "\r\r\n" and any bare "\n" a full-screen program sends
 * into a carriage return too. stty (on our stdin) turns that off and later restores it all.
 */
function rawTerminal(stdin: NodeJS.ReadStream, tty: boolean): () => void {
  if (!tty || stdin.isTTY !== true) return () => undefined;
  const saved = stty(['-g']);
  stdin.setRawMode(true);
  stty(['-opost']);
  return () => {
    stdin.setRawMode(false);
    if (saved) stty([saved]);
  };
}

/** Copies stdin to the session; returns the function that stops. */
function relayInput(session: AttachSession, stdin: NodeJS.ReadStream): () => void {
  const onData = (data: Buffer): void => session.write(data);
  const onEnd = (): void => session.closeStdin();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    // Otherwise a pending read on our stdin would keep this process alive after the container.
    stdin.pause();
    stdin.destroy();
  };
}

/** Runs stty on our stdin (the terminal); its output, or undefined when it fails. */
function stty(args: string[]): string | undefined {
  try {
    return execFileSync('stty', args, { stdio: [0, 'pipe', 'ignore'], encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The exit code from conmon's exit file, read directly: with --rm the container's record
 * may be gone by the next look. conmon writes the file before it closes the session.
 */
async function exitCode(svc: ContainerService, id: string): Promise<number> {
  const file = svc.paths(id).exitFile;
  for (const deadline = Date.now() + 5000; !fs.existsSync(file) && Date.now() < deadline;) await sleep(10);
  let code: number | undefined;
  try {
    code = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    // No exit file: the record says what happened, if it is still there.
  }
  // Records the exit (and applies --rm) unless conmon's exit command did already.
  const record = await svc.get(id).catch(() => undefined);
  return code ?? record?.exitCode ?? -1;
}
