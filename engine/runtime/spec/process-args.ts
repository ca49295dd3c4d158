/**
 * The container process's command line and environment, combined from the image config
 * and the run options with Docker's rules, so that an image behaves here as under
 * `docker run`.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { ContainerConfig } from '../../images/image-config.js';

/** PATH when the image sets none (Docker's default). */
export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process arguments. Without `entrypoint`: the image's Entrypoint followed by `args`,
 * or by the image's Cmd when no `args` are given. With `entrypoint` (`--entrypoint`, even
 * an empty one): that entrypoint followed by `args` only, since overriding the entrypoint
 * drops the image's Cmd. Throws when the result is empty.
 */
export function processArgs(image: ContainerConfig, entrypoint: string[] | undefined, args: string[] | undefined): string[] {
  const ep = entrypoint ?? image.Entrypoint ?? [];
  const rest = args ?? (entrypoint !== undefined ? [] : image.Cmd ?? []);
  const argv = [...ep, ...rest];
  if (argv.length === 0) throw new InvalidArgumentError('no command specified: the image has no Cmd or Entrypoint and none was given');
  if (argv[0] === '') throw new InvalidArgumentError('the command to run is empty');
  return argv;
}

/**
 * The environment: the image's Env, then `runEnv` overriding by name (later entries win),
 * then PATH, HOSTNAME and HOME for those neither the image nor the run set. Run
 * entries must be `NAME=value`; malformed image entries are dropped, as runc would reject
 * the whole spec for them.
 */
export function mergeEnv(imageEnv: string[] | undefined, runEnv: string[] | undefined, defaults: { hostname: string; home: string }): string[] {
  const merged = new Map<string, string>();
  for (const entry of imageEnv ?? []) {
    const name = envName(entry);
    if (name !== undefined) merged.set(name, entry);
  }
  for (const entry of runEnv ?? []) {
    const name = envName(entry);
    if (name === undefined) throw new InvalidArgumentError(`invalid environment entry '${entry}': expected NAME=value`);
    merged.set(name, entry);
  }
  if (!merged.has('PATH')) merged.set('PATH', `PATH=${defaultPath}`);
  if (!merged.has('HOSTNAME')) merged.set('HOSTNAME', `HOSTNAME=${defaults.hostname}`);
  if (!merged.has('HOME')) merged.set('HOME', `HOME=${defaults.home}`);
  return [...merged.values()];
}

function envName(entry: string): string | undefined {
  const eq = entry.indexOf('=');
  if (eq <= 0 || entry.includes('\0')) return undefined;
  return entry.slice(0, eq);
}
