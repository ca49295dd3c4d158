/**
 * What this host lets the engine pass on to containers, which may be less than Docker's
 * defaults assume when the engine itself runs confined (some sandboxes and CI runners).
 *
 * Capabilities: runc can only grant capabilities in its own bounding set, so "every
 * capability" (privileged, `--cap-add ALL`) means every one this process has.
 *
 * Open files: the limit a container can actually get on this host. Docker's is 1048576,
 * inherited from a daemon started with that hard limit. runc can only lower a hard limit
 * (see runc/rlimits.ts), so asking for more than the engine has works only when the
 * runtime may raise it first: with CAP_SYS_RESOURCE and within fs.nr_open. Without that
 * capability (some sandboxes and CI runners drop it) the default is the engine's own hard
 * limit, as a container under Docker would inherit its daemon's.
 */
import fs from 'node:fs';
import { allCapabilities } from './capabilities.js';

/** Docker's open-files limit. */
export const dockerNofileLimit = 1_048_576;

const capSysResource = 24n;

/** The capabilities in this process's bounding set, by name, in bit order. */
export function hostCapabilities(): string[] {
  const mask = capabilityMask('CapBnd');
  return mask === undefined ? [...allCapabilities] : allCapabilities.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** Docker's limit where it can be had, else the most this process can pass on. */
export function defaultNofileLimit(): number {
  const effective = capabilityMask('CapEff');
  const canRaise = effective !== undefined && (effective >> capSysResource) & 1n;
  const nrOpen = Number(readOr('/proc/sys/fs/nr_open', String(dockerNofileLimit)).trim()) || dockerNofileLimit;
  const ceiling = Math.min(dockerNofileLimit, nrOpen);
  if (canRaise) return ceiling;
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(readOr('/proc/self/limits', ''))?.[1];
  return hard === undefined || hard === 'unlimited' ? ceiling : Math.min(ceiling, Number(hard));
}

function capabilityMask(set: 'CapBnd' | 'CapEff'): bigint | undefined {
  const hex = new RegExp(`^${set}:\\s*([0-9a-f]+)$`, 'm').exec(readOr('/proc/self/status', ''))?.[1];
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
