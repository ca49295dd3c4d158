/**
 * The compute driver contract, shaped like Nova's virt driver: the API layer talks to
 * compute only through this interface, so the local engine, a Docker Engine host and a
 * cluster engine are interchangeable. A driver manages only instances it created (it
 * marks them with labels) and never lists or touches anything else on its host.
 *
 * Errors are the engine's categories (engine/errors.ts): NotFoundError for an unknown
 * instance, InvalidArgumentError for a spec it refuses, FailedPreconditionError for a
 * state that does not allow the operation. The API maps them to its own faults.
 */

/** Nova's power states (nova/compute/power_state.py); the API reports these numbers. */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

/** The resources a flavor grants, applied as cgroup limits. */
export interface InstanceResources {
  vcpus: number;
  /** Memory in MiB. */
  memoryMb: number;
  /** Root disk in GiB; 0 = unlimited. A driver that cannot enforce it records it. */
  diskGb: number;
}

/** A file the driver writes into the instance before it starts (config drive, SSH keys). */
export interface InjectedFile {
  /** Absolute path inside the instance. */
  path: string;
  contents: Buffer;
  /** File mode; 0o644 unless given. */
  mode?: number;
}

/** Everything needed to start an instance. */
export interface SpawnRequest {
  /** The API's id for the instance (the Nova server UUID); the driver keys on it. */
  instanceId: string;
  /** Display name; the hostname is derived from it. */
  name: string;
  /** Image to boot: an engine image id (sha256:...) or reference. */
  image: string;
  resources: InstanceResources;
  /** Files placed in the instance before it starts. */
  files: InjectedFile[];
  /**
   * A script to run at boot (user_data starting with `#!`): the driver places it and runs
   * it before the image's own command.
   */
  bootScript?: Buffer;
  /** Extra labels recorded with the instance (project, user). */
  labels: Record<string, string>;
  /** Interfaces to give the instance, eth0 first; none (or absent): loopback only. */
  networks?: SpawnNetwork[];
  /**
   * Overrides of the image's process, for container resources (Heat's
   * DockerInc::Docker::Container and OS::Zun::Container); Nova servers leave it out.
   * `env` entries are `KEY=value` and add to the image's environment.
   */
  process?: ProcessOverrides;
  /**
   * 'system': boot the image's own init (/sbin/init, e.g. systemd) as a machine would, so
   * its services (sshd) start; 'app' (the default): the image's command, as a container.
   */
  init?: 'app' | 'system';
  /** The instance's hostname (a cloud-config `hostname`); derived from `name` when absent. */
  hostname?: string;
  /** Where it must go (Nova's `--availability-zone ZONE[:HOST]`); anywhere when absent. */
  placement?: PlacementRequest;
}

/** A zone and optionally one host of it; a driver spanning zones places within them, or fails with "No valid host was found". */
export interface PlacementRequest {
  zone?: string;
  host?: string;
}

/** An availability zone and the compute hosts in it, in configuration order. */
export interface AvailabilityZone {
  zone: string;
  hosts: string[];
}

/** One interface of an instance: a port on a network of the driver's host. */
export interface SpawnNetwork {
  /** The host network (for the local driver an engine network name or id). */
  network: string;
  /** The port's MAC (Neutron's fa:16:3e:...). */
  mac?: string;
  /** More names the network's DNS answers for the instance (its hostname). */
  aliases?: string[];
  /** The Neutron port this interface is, for the driver's records. */
  portId?: string;
  /** The port's fixed IP (Neutron allocates it); the driver's IPAM picks one when absent. */
  address?: string;
}

/** How a container resource changes the image's process and confinement (all optional). */
export interface ProcessOverrides {
  command?: string[];
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  tty?: boolean;
  openStdin?: boolean;
  readOnly?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  cpuShares?: number;
  restartPolicy?: { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; maximumRetryCount: number };
}

/** What a driver knows of one instance. */
export interface InstanceInfo {
  instanceId: string;
  powerState: PowerState;
  /** CPU time used, nanoseconds. */
  cpuTimeNs: number;
  /** Memory in use and the limit, bytes. */
  memoryBytes: number;
  maxMemoryBytes: number;
  /** Exit code and reason when the instance stopped by itself (crash, OOM, command ended). */
  exitCode?: number;
  /** Why it stopped when that was not a user's action: 'OOM killed', 'exited with code 1'. */
  failure?: string;
  /** Addresses the instance has, by network name (filled in by networking). */
  addresses: Record<string, Array<{ address: string; mac?: string }>>;
  /** The availability zone of the host holding the instance, from a driver that spans zones. */
  availabilityZone?: string;
  /** The name of the compute host holding the instance, from a driver of several hosts. */
  host?: string;
  /** True when its interfaces are on another host's networking (a Docker host), out of reach of this machine's security groups and floating IPs. */
  remoteNetwork?: boolean;
}

/** Host capacity for os-hypervisors; `used` figures come from allocations, not host-wide readings. */
export interface AvailableResource {
  hypervisorHostname: string;
  hypervisorType: string;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  runningInstances: number;
}

/** A snapshot result: the new image in the engine's store. */
export interface SnapshotResult {
  /** Engine image id (sha256:...). */
  imageId: string;
  /** Bytes of the image's layers. */
  size: number;
}

/** A volume to attach to an instance: one of the cloud's block volumes (Cinder's). */
export interface VolumeRef {
  /** The API's volume id. */
  volumeId: string;
  /** The engine volume that holds it on this cloud's machine (`intermodal volume ls`). */
  engineVolume: string;
}

/** What the network service runs at an instance's start, before its first process (see setPrestartHook). */
export type PrestartHook = (instanceId: string, addresses: InstanceInfo['addresses']) => Promise<void>;

/** The driver interface. All methods are async and idempotent where Nova's are. */
export interface ComputeDriver {
  /** A short name: 'local', 'docker'. */
  readonly type: string;
  /** Creates and starts an instance. On failure nothing is left behind. */
  spawn(request: SpawnRequest): Promise<InstanceInfo>;
  /** Stops and removes an instance and everything it holds. Unknown ids are not an error. */
  destroy(instanceId: string): Promise<void>;
  /** The ids of every instance this driver created (and only those). */
  listInstances(): Promise<string[]>;
  getInfo(instanceId: string): Promise<InstanceInfo>;
  powerOn(instanceId: string): Promise<void>;
  /** Graceful stop (SIGTERM, then SIGKILL after `timeoutSeconds`). */
  powerOff(instanceId: string, timeoutSeconds?: number): Promise<void>;
  reboot(instanceId: string, type: 'SOFT' | 'HARD'): Promise<void>;
  pause(instanceId: string): Promise<void>;
  unpause(instanceId: string): Promise<void>;
  /** Commits the instance's root filesystem to a new image (pausing it while read). */
  snapshot(instanceId: string, options: { tag?: string; comment?: string }): Promise<SnapshotResult>;
  /** The last `lines` lines of console output (all when omitted). */
  getConsoleOutput(instanceId: string, lines?: number): Promise<string>;
  /** Applies new resource limits to a running instance without restarting it. */
  resize(instanceId: string, resources: InstanceResources): Promise<void>;
  /** Replaces the instance's image, keeping its id (Nova rebuild). */
  rebuild(instanceId: string, request: SpawnRequest): Promise<InstanceInfo>;
  getAvailableResource(): Promise<AvailableResource>;
  /**
   * One entry per compute host, for os-hypervisors, when the driver spans several hosts;
   * a driver without it is one host (its getAvailableResource).
   */
  listHosts?(): Promise<AvailableResource[]>;
  /**
   * Mounts a volume in an instance at `mountPath` without restarting it (a stopped one gets
   * it at its next start); the instance gains no privilege. A driver without it cannot
   * attach volumes, and the API says so.
   */
  attachVolume?(instanceId: string, volume: VolumeRef, mountPath: string): Promise<void>;
  /** Unmounts a volume from an instance; a volume not attached, or an instance gone, is not an error. */
  detachVolume?(instanceId: string, volume: VolumeRef): Promise<void>;
  /** The availability zones and their hosts, from configuration (no host is asked); a driver without it is one host in zone `nova`. */
  availabilityZones?(): AvailabilityZone[];
  /**
   * Sets what runs at every start of an instance (spawn, power on, reboot, rebuild) once its
   * interfaces exist and before its first process runs, given the addresses it got; the
   * network service applies the instance's security groups there. A throw fails the start.
   * A driver without it starts instances unfiltered until the API applies the groups after.
   * One hook per driver: a later call replaces it, `undefined` removes it (the API, closing).
   */
  setPrestartHook?(hook: PrestartHook | undefined): void;
}
