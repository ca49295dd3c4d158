/**
 * Invoking the runc (or crun) binary with our own state root, and turning its failures
 * into one-line errors: runc prints logrus lines (`level=error msg="..."`), crun plain text.
 */
import { execFile } from 'node:child_process';

/** A runc binary with its state root. */
export interface RuncBinary {
  binary: string;
  root: string;
}

/** Runs `binary --root ROOT ...args`; resolves with stdout, rejects with runc's own message. */
export function runRunc(runc: RuncBinary, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(runc.binary, ['--root', runc.root, ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(runcMessage(stderr) || err.message));
      else resolve(stdout);
    });
  });
}

/** The human part of runc's stderr. */
export function runcMessage(stderr: string): string {
  const messages = [...stderr.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\"/g, '"'));
  return (messages.at(-1) ?? stderr).trim();
}

/** True when runc said the container does not exist. */
export function isNotExist(err: unknown): boolean {
  return /does not exist|not found|no such file/i.test((err as Error).message);
}
