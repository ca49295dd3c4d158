/**
 * Ending a live container that is being removed (`rm -f`). Unlike a stop, nothing of its
 * end is worth keeping: no exit code, no log tail, no restart. So its conmon is killed
 * along with it, before it can record the exit and run its exit callback, a whole
 * `intermodal container-exited` process that would only find the container gone and
 * would compete for the CPU with whatever the user runs next. The record is marked
 * `removing` first: a callback already on its way then leaves it alone, and a crash
 * before the removal is done is finished by `reconcile`.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../runtime/runtime.js';
import type { ContainerRecord, ContainerStore } from './container-store.js';

/** Longest we wait for the killed init process to be gone. */
const exitLimitMs = 10_000;

/** Kills container `record` and its monitor; resolves once its init process is gone, with the record marked `removing`. */
export async function killForRemoval(store: ContainerStore, runtime: Runtime, record: ContainerRecord): Promise<ContainerRecord> {
  const marked = store.update(record.id, { status: 'removing', stoppedByUser: true });
  if (record.conmonPid !== undefined && isMonitorOf(record.conmonPid, record.id)) killQuietly(record.conmonPid);
  // A frozen process receives SIGKILL only when thawed.
  if (record.status === 'paused') await runtime.resume(record.id).catch(() => undefined);
  await runtime.kill(record.id, 'SIGKILL', true).catch(() => undefined);
  if (record.pid !== undefined) {
    for (const deadline = Date.now() + exitLimitMs; isRunning(record.pid) && Date.now() < deadline;) await sleep(2);
  }
  return marked;
}

/** Whether `pid` is the conmon of container `id` (its command line names it), not a process that reused the pid. */
function isMonitorOf(pid: number, id: string): boolean {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((a, i) => a === '--cid' && args[i + 1] === id);
  } catch {
    return false;
  }
}

/** Whether `pid` exists and is not a zombie (a zombie has left its cgroup already). */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
