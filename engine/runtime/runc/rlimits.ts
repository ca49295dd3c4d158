/**
 * Making room for the spec's rlimits. runc sets `process.rlimits` inside the container
 * after it has dropped to the container's capabilities, so it can lower a hard limit but
 * not raise one: the container's hard limits must not exceed those runc inherits from us.
 * Docker's daemon runs with NOFILE 1048576 for this reason; an engine started from a
 * shell often has far less. When the spec asks for more than this process has, conmon is
 * started through util-linux's `prlimit`, which raises the hard limits (we are root) and
 * then execs conmon, so conmon, runc and the container inherit them.
 */
import fs from 'node:fs';
import type { OciRlimit } from '../spec/oci-spec.js';

/** OCI rlimit type → [prlimit option, row name in /proc/<pid>/limits]. */
const resources: Record<string, [string, string]> = {
  RLIMIT_AS: ['as', 'Max address space'],
  RLIMIT_CORE: ['core', 'Max core file size'],
  RLIMIT_CPU: ['cpu', 'Max cpu time'],
  RLIMIT_DATA: ['data', 'Max data size'],
  RLIMIT_FSIZE: ['fsize', 'Max file size'],
  RLIMIT_LOCKS: ['locks', 'Max file locks'],
  RLIMIT_MEMLOCK: ['memlock', 'Max locked memory'],
  RLIMIT_MSGQUEUE: ['msgqueue', 'Max msgqueue size'],
  RLIMIT_NICE: ['nice', 'Max nice priority'],
  RLIMIT_NOFILE: ['nofile', 'Max open files'],
  RLIMIT_NPROC: ['nproc', 'Max processes'],
  RLIMIT_RSS: ['rss', 'Max resident set'],
  RLIMIT_RTPRIO: ['rtprio', 'Max realtime priority'],
  RLIMIT_RTTIME: ['rttime', 'Max realtime timeout'],
  RLIMIT_SIGPENDING: ['sigpending', 'Max pending signals'],
  RLIMIT_STACK: ['stack', 'Max stack size'],
};

/** Hard limits by /proc row name, from a /proc/<pid>/limits text; `unlimited` is Infinity. */
export function parseHardLimits(text: string): Map<string, number> {
  const limits = new Map<string, number>();
  for (const line of text.split('\n').slice(1)) {
    const match = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (match) limits.set(match[1]!, match[3] === 'unlimited' ? Infinity : Number(match[3]));
  }
  return limits;
}

/**
 * The `prlimit` options that raise our hard limits to what `rlimits` ask for; empty when
 * they already suffice (the usual case under systemd or Docker-like setups).
 */
export function raiseHardLimitOptions(rlimits: OciRlimit[], current: Map<string, number>): string[] {
  const options: string[] = [];
  for (const limit of rlimits) {
    const resource = resources[limit.type];
    if (!resource) continue;
    const [option, row] = resource;
    if (limit.hard > (current.get(row) ?? Infinity)) options.push(`--${option}=${limit.hard}:${limit.hard}`);
  }
  return options;
}

/** This process's hard limits. */
export function ownHardLimits(): Map<string, number> {
  return parseHardLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
}
