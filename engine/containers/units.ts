/** Parsers for the human units run options use: memory sizes, CPU counts, restart policies. */
import { InvalidArgumentError } from '../errors.js';
import type { RestartPolicy } from './container-spec.js';

const memoryUnits: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512m`, `1g`, `1048576`, `64k` (binary units, as Docker reads them) to bytes. */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid memory size '${text}': use a number with an optional b, k, m or g suffix`);
  const bytes = Math.floor(Number(m[1]) * memoryUnits[m[2]!.toLowerCase()]!);
  // runc refuses limits too small to start anything; Docker's floor is 6 MiB.
  if (bytes < 6 * 1024 * 1024) throw new InvalidArgumentError(`memory limit '${text}' is below the minimum of 6m`);
  return bytes;
}

/** `0.5`, `2` to a positive number of CPUs. */
export function parseCpus(text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0)) throw new InvalidArgumentError(`invalid --cpus '${text}': use a positive number such as 0.5 or 2`);
  return value;
}

/** A positive whole number, for --pids-limit and --cpu-shares. */
export function parsePositiveInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new InvalidArgumentError(`invalid ${what} '${text}': use a positive whole number`);
  return Number(text);
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    throw new InvalidArgumentError(`invalid restart policy '${text}': use no, always, unless-stopped or on-failure[:N]`);
  }
  return { name: m[1] as RestartPolicy['name'], maximumRetryCount: m[2] !== undefined ? Number(m[2]) : 0 };
}
