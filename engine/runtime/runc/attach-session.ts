/**
 * A client of conmon's attach socket, and of its control fifo for terminal sizes.
 *
 * conmon listens on `<socket dir>/<id>/attach`, a SOCK_SEQPACKET socket (the `<id>` entry
 * is a symlink conmon makes to the bundle, to keep the address short). Every packet conmon
 * sends is one read of the container's output, prefixed by one byte naming the pipe it
 * came from (2 stdout, 3 stderr; a terminal's output is all stdout). Every packet a client
 * sends is written to the container's stdin as is; a client's end of file (shutdown of its
 * write side) makes conmon close the container's stdin. conmon reads at most 8 KiB a
 * packet and drops the rest, so input is sent in pieces no larger than that. conmon keeps
 * the connection until it exits, after the container has exited and its output is drained.
 *
 * Terminal sizes go through the `ctl` fifo in the bundle: a line `1 <rows> <columns>`.
 *
 * Node cannot open SEQPACKET sockets, so the addon connects and the fd is read with
 * fs.read on the libuv pool (each read returns one packet, boundaries kept) and written
 * with fs.writeSync (small packets, which the kernel queues at once).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasErrno, NotFoundError } from '../../errors.js';
import { sys } from '../../sys/index.js';
import type { AttachSession } from '../runtime.js';

const maxInputPacket = 8192;
const pipeNames: Record<number, 'stdout' | 'stderr'> = { 2: 'stdout', 3: 'stderr' };

/** Connects to the attach socket of container `id` whose conmon links sockets into `socketDir`. */
export function attachToConmon(socketDir: string, id: string, bundle: string): AttachSession {
  let fd: number;
  try {
    fd = sys.seqpacketConnect(path.join(socketDir, id, 'attach'));
  } catch (err) {
    if (hasErrno(err, 'ENOENT') || hasErrno(err, 'ECONNREFUSED')) throw new NotFoundError(`container '${id}' has no monitor to attach to`, { cause: err });
    throw err;
  }
  const listeners: ((stream: 'stdout' | 'stderr', data: Buffer) => void)[] = [];
  let open = true;
  const closed = new Promise<void>((resolve) => {
    const buffer = Buffer.alloc(65536);
    const readNext = (): void => {
      fs.read(fd, buffer, 0, buffer.length, null, (err, n) => {
        if (err || n === 0) {
          open = false;
          fs.close(fd, () => resolve());
          return;
        }
        const stream = pipeNames[buffer[0]!];
        if (stream && n > 1) {
          const data = Buffer.from(buffer.subarray(1, n));
          for (const listener of listeners) listener(stream, data);
        }
        readNext();
      });
    };
    readNext();
  });
  const shutdown = (how: number): void => {
    if (!open) return;
    try {
      sys.shutdown(fd, how);
    } catch {
      // The monitor is gone already: nothing left to end.
    }
  };
  return {
    onOutput: (listener) => listeners.push(listener),
    write(data) {
      for (let at = 0; open && at < data.length; at += maxInputPacket) {
        try {
          fs.writeSync(fd, data.subarray(at, at + maxInputPacket));
        } catch {
          return; // The container exited meanwhile; its output still arrives.
        }
      }
    },
    closeStdin: () => shutdown(1),
    resize(rows, columns) {
      writeControl(bundle, `1 ${clampSize(rows)} ${clampSize(columns)}\n`);
    },
    closed,
    // Ending our read side wakes the pending read with end of file, which closes the fd.
    close: () => shutdown(2),
  };
}

/** conmon refuses sizes outside 0..1000. */
function clampSize(n: number): number {
  return Math.max(0, Math.min(1000, Math.floor(n)));
}

/** Writes one line to conmon's control fifo; conmon holds its read end open while it runs. */
function writeControl(bundle: string, line: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path.join(bundle, 'ctl'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return; // No monitor any more (ENXIO): nothing to resize.
  }
  try {
    fs.writeSync(fd, line);
  } catch {
    // A full fifo means conmon is not reading; a lost resize is harmless.
  } finally {
    fs.closeSync(fd);
  }
}
