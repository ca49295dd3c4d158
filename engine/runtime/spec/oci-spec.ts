/** The parts of the OCI runtime spec (config.json) the engine writes. */

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface OciProcess {
  terminal: boolean;
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string; path?: string }[];
    uidMappings?: OciIdMapping[];
    gidMappings?: OciIdMapping[];
    cgroupsPath: string;
    resources: Record<string, unknown>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: Record<string, unknown>;
  };
  annotations?: Record<string, string>;
}
