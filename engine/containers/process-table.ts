/** The processes of a container, read from /proc for `top`: PID, user, time, command. */
import fs from 'node:fs';

/** One row of `top`. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  uid: number;
  /** CPU time in seconds. */
  cpuSeconds: number;
  command: string;
}

const ticksPerSecond = 100;

/** Rows for the given host pids, skipping any that exited meanwhile. */
export function processTable(pids: number[]): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name may contain spaces and parentheses; the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      rows.push({ pid, ppid: Number(fields[1]), uid, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond, command: cmdline || `[${comm}]` });
    } catch {
      // The process exited between listing and reading; it is simply not shown.
    }
  }
  return rows.sort((a, b) => a.pid - b.pid);
}
