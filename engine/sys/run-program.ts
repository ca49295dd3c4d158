/**
 * Short host programs (ip, nft) run without Node's fork: the addon starts them with
 * posix_spawn on a thread of its own, so the API server's event loop does not stop for the
 * page-table copy of a fork (4-5 ms per program at its size, more as it grows), and boots
 * running at once no longer queue behind each other's programs.
 */
import os from 'node:os';
import { sys } from './index.js';

export interface ProgramResult {
  /** The exit code; null when a signal ended the program. */
  code: number | null;
  /** The signal's name (`SIGKILL`) when one ended it. */
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

const signalNames = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** Runs `argv` (the program found on PATH) with `input` on its stdin (none: /dev/null); rejects only when it cannot start (ENOENT...). */
export function runProgram(argv: string[], input?: string | Buffer): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    sys.runProgram(argv, input === undefined ? null : Buffer.from(input), (err, result) => {
      if (err) return reject(err);
      resolve({ ...result!, signal: result!.signal === null ? null : (signalNames.get(result!.signal) ?? null) });
    });
  });
}
