/** Whether a process id names a live process on this host (used to expire leases and temp files). */
import { hasErrno } from './errors.js';

/** True if `pid` is running (or exists but belongs to someone we may not signal). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return hasErrno(err, 'EPERM');
  }
}
