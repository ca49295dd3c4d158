/**
 * What a container is made from: the image and every run option, resolved from the CLI or
 * an API request into one JSON-able record. It is stored with the container, so a restart
 * (by policy, or after the host process restarts) rebuilds the same container.
 */
import type { EndpointRequest } from '../network/network.js';

/** A bind mount or a volume mount. */
export interface MountSpec {
  /** 'bind': `source` is a host path; 'volume': `source` is a volume name. */
  type: 'bind' | 'volume';
  source: string;
  destination: string;
  readOnly: boolean;
}

/** A tmpfs mount (`--tmpfs /run:size=64m`). */
export interface TmpfsSpec {
  destination: string;
  options: string[];
}

/** When the supervisor restarts a container that stopped by itself. */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** For on-failure: give up after this many restarts (0 = never give up). */
  maximumRetryCount: number;
}

/** The complete description of a container. */
export interface ContainerSpec {
  image: string;
  /** Replaces the image's Cmd when given. */
  cmd?: string[];
  /** Replaces the image's Entrypoint when given (and then the image's Cmd is dropped, as in Docker). */
  entrypoint?: string[];
  env: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  labels: Record<string, string>;
  mounts: MountSpec[];
  tmpfs: TmpfsSpec[];
  /** Containers whose volumes this one mounts too (`--volumes-from`). */
  volumesFrom: string[];
  readOnly: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  /** Hard memory limit in bytes. */
  memoryBytes?: number;
  /** CPU quota in CPUs (0.5 = half a CPU). */
  cpus?: number;
  cpuShares?: number;
  /** CPUs it may run on (`0-1,3`); all when absent. */
  cpusetCpus?: string;
  pidsLimit?: number;
  blkioWeight?: number;
  restartPolicy: RestartPolicy;
  /** Remove the container when it exits (`--rm`). */
  autoRemove: boolean;
  /** Run in a user namespace mapping container root to an unprivileged host range. */
  userns: boolean;
  /** SIGTERM unless the image or the user says otherwise. */
  stopSignal?: string;
  stopTimeoutSeconds?: number;
  /** Give the container a terminal (`-t`). */
  tty?: boolean;
  /** Keep the container's stdin open for attached clients to write to (`-i`). */
  openStdin?: boolean;
  /** Interfaces on bridge networks (`--network`, `-p`, `-P`); none: a namespace with only loopback. */
  networks?: EndpointRequest[];
  /** pid 1 is the image's system manager (systemd), run as on a machine: see engine/runtime/spec/system-init.ts. */
  systemInit?: boolean;
  /** Runtime binary name: runc (default) or crun. */
  runtime: 'runc' | 'crun';
}
