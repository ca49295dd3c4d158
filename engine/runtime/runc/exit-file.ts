/**
 * Reading what conmon recorded when a container's init process exited: the exit file
 * `<exitDir>/<id>` (written atomically, by rename, so it is either absent or complete)
 * and the `oom` marker in the persist dir, which conmon creates when the kernel reports an
 * OOM kill in the container's memory cgroup (cgroup v1: memory.oom_control event; v2: the
 * `oom_kill` count in memory.events).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasErrno } from '../../errors.js';
import type { ExitStatus } from '../runtime.js';
import { monitorFiles } from './conmon.js';

/** The exit status of `id`, or undefined when no exit has been recorded in `exitDir`. */
export function readExitFile(id: string, exitDir: string, persistDir?: string): ExitStatus | undefined {
  const file = path.join(exitDir, id);
  let text: string;
  let at: Date;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
    at = fs.statSync(file).mtime;
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  if (!/^-?\d+$/.test(text)) return undefined;
  const status: ExitStatus = { code: Number(text), at };
  if (persistDir !== undefined) status.oomKilled = fs.existsSync(monitorFiles(persistDir).oom);
  return status;
}
