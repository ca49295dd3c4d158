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
  const { session } = await svc.startAttached(id, (s) => {
    s.onOutput((stream, data) => (stream === 'stderr' ? stdio.stderr : stdio.stdout).write(data));
    // Sized before the program starts, so that it sees the right size from the first draw.
    if (followSize) sendSize(s);
  });
  const onResize = (): void => sendSize(session);
  if (followSize) stdio.stdout.on('resize', onResize);
  const stopInput = options.interactive ? relayInput(session, stdio.stdin, options.tty) : () => undefined;
  try {
    await session.closed;
  } finally {
    stopInput();
    if (followSize) stdio.stdout.off('resize', onResize);
  }
  return exitCode(svc, id);
}

/** Copies stdin to the session; returns the function that stops and restores the terminal. */
function relayInput(session: AttachSession, stdin: NodeJS.ReadStream, tty: boolean): () => void {
  const raw = tty && stdin.isTTY === true;
  // Node's raw mode keeps output processing, so our terminal would turn the container
  // terminal's "\r\n" into "\r\r\n" and any bare "\n" a full-screen program sends into a
  // carriage return too. stty (on our stdin) turns that off and later restores it all.
  const saved = raw ? stty(['-g']) : undefined;
  if (raw) {
    stdin.setRawMode(true);
    stty(['-opost']);
  }
  const onData = (data: Buffer): void => session.write(data);
  const onEnd = (): void => session.closeStdin();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    if (raw) {
      stdin.setRawMode(false);
      if (saved) stty([saved]);
    }
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
