/**
 * Builds a container's OCI runtime spec (`config.json`) from its image config and run
 * options. Defaults are as strict as Docker's: new pid, mount, uts, ipc and network
 * namespaces; Docker's capability set; no-new-privileges; an allowlist seccomp filter;
 * masked and read-only /proc and /sys paths; a device allowlist; NOFILE 1048576 (or
 * what the host allows, see host-limits.ts).
 * `privileged` lifts all of those, and only when asked.
 *
 * Pure apart from reading the image's /etc/passwd and /etc/group (inside `rootfs`) and, for
 * the default NOFILE, this process's limits; it is tested without running anything.
 */
import path from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { ContainerConfig } from '../../images/image-config.js';
import type { ResourceLimits } from '../runtime.js';
import { capabilitySet } from './capabilities.js';
import { resolveUser } from './container-user.js';
import { defaultNofileLimit, hostCapabilities } from './host-limits.js';
import { deviceRules, maskedPaths, readonlyPaths, standardMounts } from './linux-defaults.js';
import type { OciIdMapping, OciMount, OciNamespace, OciSpec } from './oci-spec.js';
import { mergeEnv, processArgs } from './process-args.js';
import { ociResources } from './resources.js';
import { defaultSeccompProfile } from './seccomp.js';
import { systemInitMounts, systemInitNamespace } from './system-init.js';

/** A host directory or file bind-mounted into the container. */
export interface BindMount {
  type: 'bind';
  /** Absolute host path. */
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  readOnly: boolean;
}

/** A tmpfs mounted into the container; options are mount options (`size=64m`, `mode=1777`, `exec`). */
export interface TmpfsMount {
  path: string;
  options?: string[];
}

/** Everything a spec is built from; limits are the same as for a live update. */
export interface SpecInput extends ResourceLimits {
  /** The image's runtime defaults (its config's `config`). */
  image: ContainerConfig;
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  hostname: string;
  /** cgroup path for the cgroupfs driver, e.g. `/intermodal/<id>`. */
  cgroupsPath: string;
  /** Arguments; replace the image's Cmd. */
  args?: string[];
  /** Replaces the image's Entrypoint, and drops its Cmd. */
  entrypoint?: string[];
  /** `NAME=value` entries over the image's Env. */
  env?: string[];
  /** Absolute working directory; default the image's WorkingDir, else `/`. */
  workdir?: string;
  /** `name`, `uid`, `name:group` or `uid:gid`; default the image's User, else root. */
  user?: string;
  /** Mount the root filesystem read-only. */
  readOnly?: boolean;
  /** Every capability (that this host has) and device, no seccomp, no masked paths, writable /sys. */
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Default true (false for privileged containers): setuid binaries and file capabilities grant nothing. */
  noNewPrivileges?: boolean;
  tmpfs?: TmpfsMount[];
  mounts?: BindMount[];
  /** Run in a new user namespace with these id mappings. */
  userns?: { uidMap: OciIdMapping[]; gidMap: OciIdMapping[] };
  /** Path of an existing network namespace to join; default a new one with only loopback. */
  netns?: string;
  /** Stored as the spec's annotations. */
  labels?: Record<string, string>;
  /** Give the process a terminal (the monitor must then be created with one); TERM=xterm unless the image or user sets TERM. */
  terminal?: boolean;
  /** RLIMIT_NOFILE (soft and hard); default Docker's 1048576 where this host allows it (spec/host-limits.ts). */
  nofileLimit?: number;
  /** pid 1 is a system manager (systemd): a cgroup namespace and its own writable cgroup tree (system-init.ts), setuid programs work (sudo). */
  systemInit?: boolean;
}

/** Builds the spec; throws InvalidArgumentError for options that cannot work. */
export function buildSpec(input: SpecInput): OciSpec {
  requireAbsolute('rootfs', input.rootfs);
  checkHostname(input.hostname);
  const user = resolveUser(input.rootfs, input.user ?? input.image.User);
  const privileged = input.privileged ?? false;
  const caps = capabilitySet(input, hostCapabilities());
  const cwd = input.workdir ?? (input.image.WorkingDir || '/');
  requireAbsolute('working directory', cwd);
  const nofile = input.nofileLimit ?? defaultNofileLimit();
  if (!Number.isInteger(nofile) || nofile < 1) throw new InvalidArgumentError(`invalid open-files limit ${nofile}`);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal ?? false,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids && { additionalGids: user.additionalGids }) },
      args: processArgs(input.image, input.entrypoint, input.args),
      env: mergeEnv(input.terminal ? ['TERM=xterm', ...(input.image.Env ?? [])] : input.image.Env, input.env, { hostname: input.hostname, home: user.home }),
      cwd,
      // Not inheritable or ambient: a non-root user keeps none of them across execve.
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      noNewPrivileges: input.noNewPrivileges ?? !(privileged || input.systemInit === true),
    },
    root: { path: input.rootfs, readonly: input.readOnly ?? false },
    hostname: input.hostname,
    mounts: [...standardMounts(privileged), ...(input.systemInit ? systemInitMounts(input.cgroupsPath) : []), ...tmpfsMounts(input.tmpfs ?? []), ...bindMounts(input.mounts ?? [])],
    linux: {
      namespaces: namespaces(input),
      ...(input.userns && { uidMappings: checkMappings('uid', input.userns.uidMap), gidMappings: checkMappings('gid', input.userns.gidMap) }),
      cgroupsPath: input.cgroupsPath,
      resources: { devices: deviceRules(privileged), ...ociResources(input) },
      ...(!privileged && { maskedPaths: [...maskedPaths], readonlyPaths: [...readonlyPaths], seccomp: defaultSeccompProfile(caps) }),
    },
    ...(input.labels && Object.keys(input.labels).length > 0 && { annotations: { ...input.labels } }),
  };
}

function namespaces(input: SpecInput): OciNamespace[] {
  if (input.netns !== undefined) requireAbsolute('network namespace', input.netns);
  return [
    { type: 'pid' },
    { type: 'mount' },
    { type: 'uts' },
    { type: 'ipc' },
    input.netns !== undefined ? { type: 'network', path: input.netns } : { type: 'network' },
    ...(input.userns ? [{ type: 'user' as const }] : []),
    ...(input.systemInit ? [systemInitNamespace] : []),
  ];
}

function tmpfsMounts(tmpfs: TmpfsMount[]): OciMount[] {
  return tmpfs.map((t) => {
    checkDestination(t.path);
    // Docker's --tmpfs defaults; a later `exec` or `suid` in the options overrides them.
    return { destination: t.path, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(t.options ?? [])] };
  });
}

function bindMounts(mounts: BindMount[]): OciMount[] {
  return mounts.map((m) => {
    if (m.type !== 'bind') throw new InvalidArgumentError(`mount type '${String(m.type)}' is not supported; only bind`);
    requireAbsolute('bind mount source', m.source);
    checkDestination(m.destination);
    return { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] };
  });
}

function checkDestination(destination: string): void {
  requireAbsolute('mount destination', destination);
  if (path.posix.normalize(destination) === '/' || destination.split('/').includes('..')) {
    throw new InvalidArgumentError(`mount destination '${destination}' must be a path below / without '..'`);
  }
}

function checkMappings(kind: string, mappings: OciIdMapping[]): OciIdMapping[] {
  if (mappings.length === 0 || !mappings.some((m) => m.containerID === 0)) {
    throw new InvalidArgumentError(`user namespace ${kind} mapping must map container id 0`);
  }
  for (const m of mappings) {
    if (![m.containerID, m.hostID, m.size].every((n) => Number.isInteger(n) && n >= 0) || m.size === 0) {
      throw new InvalidArgumentError(`invalid ${kind} mapping ${JSON.stringify(m)}`);
    }
  }
  return mappings.map((m) => ({ ...m }));
}

function requireAbsolute(what: string, p: string): void {
  if (!path.posix.isAbsolute(p) || p.includes('\0')) throw new InvalidArgumentError(`${what} '${p}' must be an absolute path`);
}

function checkHostname(hostname: string): void {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(hostname) || hostname.length > 64) {
    throw new InvalidArgumentError(`invalid hostname '${hostname}'`);
  }
}

export { mergeEnv, processArgs } from './process-args.js';
