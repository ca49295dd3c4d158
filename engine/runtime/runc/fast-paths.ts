/**
 * Three runc operations done without running runc, for speed where they are simple and the
 * outcome is certain; each returns false (and the caller runs runc) whenever anything is
 * not as expected. Both read runc's own record of the container, `<root>/<id>/state.json`
 * (crun keeps another format, so it always takes the runc path).
 *
 * - SIGKILL to every process: the container has its own pid namespace, and when a pid
 *   namespace's init dies the kernel kills every other process in it. So one kill(2) of
 *   the init process (checked by its start time, so a reused pid is never hit) does what
 *   `runc kill --all` does, without runc's start-up (15-30 ms here). Not for a frozen
 *   container, where the kill would wait for a thaw.
 * - start of a created container: runc's init waits, before it execs the user's program, to
 *   open `<root>/<id>/exec.fifo` for writing; `runc start` opens it for reading, reads the
 *   byte init writes, and removes the fifo (which is how runc tells created from running).
 *   We do the same, without runc's start-up. Only where the state has no hooks, which
 *   runc would run around the start.
 * - delete of a container whose init has exited: runc then only removes the cgroup
 *   directories it made (those in state.json) and the state directory. rmdir refuses a
 *   cgroup that still has processes (EBUSY: they are still being torn down), and then runc,
 *   which retries, does it.
 */
import fs from 'node:fs';
import path from 'node:path';

interface RuncStateFile {
  init_process_pid: number;
  init_process_start: number;
  cgroup_paths?: Record<string, string>;
  config?: { namespaces?: { type: string; path?: string }[]; hooks?: Record<string, unknown[] | undefined> | null };
}

function readState(root: string, id: string): RuncStateFile | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(root, id, 'state.json'), 'utf8')) as RuncStateFile;
    return Number.isInteger(state.init_process_pid) && state.init_process_pid > 0 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process runc started as init is still there (same pid and start time, not a zombie). */
function initAlive(state: RuncStateFile): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${state.init_process_pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Fields after the command name (which may hold spaces): state is field 3, start time field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[19]) === state.init_process_start;
}

/** SIGKILL to every process of container `id`; false when runc must do it. */
export function killAllFast(root: string, id: string): boolean {
  const state = readState(root, id);
  if (!state || !initAlive(state)) return false;
  const ownPidNamespace = state.config?.namespaces?.some((ns) => ns.type === 'NEWPID' && !ns.path) ?? false;
  if (!ownPidNamespace) return false;
  const freezer = state.cgroup_paths?.freezer;
  if (freezer !== undefined) {
    try {
      if (fs.readFileSync(path.join(freezer, 'freezer.state'), 'utf8').trim() !== 'THAWED') return false;
    } catch {
      return false;
    }
  }
  try {
    process.kill(state.init_process_pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Deletes the state of container `id` if its init has exited; false when runc must do it. */
export function deleteStoppedFast(root: string, id: string): boolean {
  const state = readState(root, id);
  if (!state || initAlive(state)) return false;
  // Longest paths first: a nested hierarchy's child before its parent.
  const cgroups = [...new Set(Object.values(state.cgroup_paths ?? {}))].sort((a, b) => b.length - a.length);
  for (const dir of cgroups) {
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  fs.rmSync(path.join(root, id), { recursive: true, force: true });
  return true;
}

/** Starts created container `id`; false when runc must do it (and report why). */
export async function startFast(root: string, id: string): Promise<boolean> {
  const fifo = path.join(root, id, 'exec.fifo');
  const state = readState(root, id);
  if (!state || !fs.existsSync(fifo) || !initAlive(state)) return false;
  if (Object.values(state.config?.hooks ?? {}).some((list) => (list?.length ?? 0) > 0)) return false;
  // Non-blocking, so that a dead init can never leave us waiting in open(2). Until init
  // opens its end, a read sees end of file (no writer yet); once it has written, the byte
  // stays in the pipe for us even if it closed again. Our end is not closed before the
  // byte is read while init lives: init would die writing into a fifo with no reader. So
  // there is no time limit here, as there is none in runc: init either writes or dies.
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const byte = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(fd, byte, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n === 1) {
        fs.rmSync(fifo, { force: true });
        return true;
      }
      if (!initAlive(state)) return false;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    fs.closeSync(fd);
  }
}
