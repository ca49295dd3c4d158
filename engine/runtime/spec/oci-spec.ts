/**
 * The parts of the OCI runtime specification (a bundle's `config.json`) that the engine
 * writes. Field names and shapes are the spec's own (runtime-spec 1.0.2), so a value of
 * these types serialises straight to a config runc and crun accept.
 */

/** A filesystem mounted into the container before the process starts. */
export interface OciMount {
  /** Absolute path inside the container. */
  destination: string;
  /** Filesystem type (`proc`, `tmpfs`, `bind`, ...). */
  type: string;
  /** Device, host path (for binds) or a descriptive name for pseudo filesystems. */
  source: string;
  options?: string[];
}

/** The uid, gid and supplementary gids the process runs as, inside the container. */
export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

/** The five capability sets of the process. */
export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

/** A resource limit applied with setrlimit before the process starts. */
export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

/** The container's process (also the shape of `runc exec --process`). */
export interface OciProcess {
  terminal: boolean;
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

/** One range of a user-namespace id mapping: container ids [containerID, containerID+size) → host ids. */
export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** A namespace the container gets: a new one, or the existing one at `path`. */
export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
  path?: string;
}

/** One device cgroup rule; rules are applied in order, the last match wins. */
export interface OciDeviceRule {
  allow: boolean;
  type?: 'a' | 'b' | 'c';
  major?: number;
  minor?: number;
  access?: string;
}

/** cgroup limits (`linux.resources`), also the body of `runc update --resources`. */
export interface OciResources {
  devices?: OciDeviceRule[];
  /** Bytes; `swap` is memory plus swap, as in cgroup v1's memsw (-1 = unlimited). */
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}

/** A syscall argument comparison in a seccomp rule. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';
}

/** A seccomp rule: an action for the named syscalls, optionally only when `args` all match. */
export interface OciSeccompRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_LOG';
  errnoRet?: number;
  args?: OciSeccompArg[];
}

/** The seccomp filter (`linux.seccomp`). */
export interface OciSeccomp {
  defaultAction: OciSeccompRule['action'];
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: OciSeccompRule[];
}

/** The Linux-specific part of the spec. */
export interface OciLinux {
  namespaces: OciNamespace[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  /** cgroup path for the cgroupfs driver, e.g. `/intermodal/<id>` (relative to each hierarchy's root). */
  cgroupsPath: string;
  resources: OciResources;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: OciSeccomp;
}

/** A whole `config.json`. */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}
