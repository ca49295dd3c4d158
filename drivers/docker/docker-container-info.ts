/**
 * What the docker driver reports of an instance, from the daemon's inspect and stats
 * answers, with the same meaning as the local driver's (drivers/local/instance-info.ts):
 * a stop the user asked for is not a failure; an exit the instance made by itself, an OOM
 * kill, or a start the runtime refused is, and `failure` then carries the last lines the
 * instance printed.
 */
import { type InstanceInfo, PowerState } from '../compute-driver.js';
import { failureLogLines } from '../local/instance-info.js';
import { engineNetworkOf } from './docker-networks.js';

/** The parts of `GET /containers/{id}/json` the driver reads. */
export interface DockerContainer {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean; OOMKilled: boolean; ExitCode: number; Error: string; Pid: number; StartedAt: string; FinishedAt: string };
  Config: { Labels: Record<string, string> | null; Entrypoint: string[] | null; Cmd: string[] | null; Image: string; Tty?: boolean };
  HostConfig: { Memory: number; NanoCpus: number; CpuShares: number };
  Image: string;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string; MacAddress?: string }> | null };
}

/** The parts of a one-shot `GET /containers/{id}/stats` the driver reads. */
export interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; limit?: number };
}

const powerStates: Record<string, PowerState> = {
  running: PowerState.RUNNING,
  restarting: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  created: PowerState.SHUTDOWN,
  exited: PowerState.SHUTDOWN,
  removing: PowerState.SHUTDOWN,
  dead: PowerState.CRASHED,
};

/** Whether the container has processes (running, paused or restarting). */
export function isLive(c: DockerContainer): boolean {
  return c.State.Status === 'running' || c.State.Status === 'paused' || c.State.Status === 'restarting';
}

/** Why the instance is down when nobody asked it to be; undefined when it is up or was stopped. */
export function failureReason(c: DockerContainer, stoppedByUser: boolean): string | undefined {
  const s = c.State;
  if (s.Status === 'created' && s.Error) return `could not start: ${s.Error}`;
  if (s.Status !== 'exited' || stoppedByUser) return undefined;
  if (s.OOMKilled) return 'OOM killed';
  return s.ExitCode > 128 ? `exited with code ${s.ExitCode} (killed by signal ${s.ExitCode - 128})` : `exited with code ${s.ExitCode}`;
}

/** Builds the info; `logTail` gives the last lines when there is a failure to explain. */
export async function dockerInstanceInfo(instanceId: string, c: DockerContainer, stats: DockerStats | undefined, stoppedByUser: boolean, logTail: (lines: number) => Promise<string>): Promise<InstanceInfo> {
  const reason = failureReason(c, stoppedByUser);
  let failure = reason;
  if (reason !== undefined) {
    const tail = (await logTail(failureLogLines).catch(() => '')).replace(/\n$/, '');
    if (tail !== '') failure = `${reason}; last output:\n${tail}`;
  }
  return {
    instanceId,
    powerState: powerStates[c.State.Status] ?? PowerState.NOSTATE,
    cpuTimeNs: stats?.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memoryBytes: stats?.memory_stats?.usage ?? 0,
    // The live cgroup's limit when running (what is enforced), else the configured one.
    maxMemoryBytes: stats?.memory_stats?.limit || c.HostConfig.Memory || 0,
    ...(c.State.Status === 'exited' && { exitCode: c.State.ExitCode }),
    ...(failure !== undefined && { failure }),
    addresses: dockerAddresses(c),
    remoteNetwork: true,
  };
}

/**
 * The addresses the container has on our daemon networks, keyed by the engine network's
 * name as the local driver keys them; a stopped container has none (the daemon frees them).
 */
export function dockerAddresses(c: DockerContainer): InstanceInfo['addresses'] {
  const addresses: InstanceInfo['addresses'] = {};
  for (const [name, endpoint] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    const network = engineNetworkOf(name);
    if (network === undefined || !endpoint.IPAddress) continue;
    (addresses[network] ??= []).push({ address: endpoint.IPAddress, ...(endpoint.MacAddress && { mac: endpoint.MacAddress }) });
  }
  return addresses;
}

/**
 * The bytes of a non-TTY logs answer, demultiplexed: each frame is an 8-byte header
 * (stream, 3 zero bytes, big-endian length) and that many bytes of the stream's output.
 * Frames are kept in the order the daemon sent them, so stdout and stderr interleave as written.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString();
}
