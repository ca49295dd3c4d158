/**
 * What the driver reports of an instance, from its container record (state, exit) and its
 * cgroup (CPU time, memory). A stop the user asked for is not a failure; an exit the
 * instance made by itself, an OOM kill, or a start the runtime refused is, and `failure`
 * then says why with the last lines the instance printed, so the API can show a fault.
 */
import { readCgroupStats } from '../../engine/containers/cgroup-stats.js';
import { readLog } from '../../engine/containers/container-log.js';
import type { ContainerRecord, ContainerStatus } from '../../engine/containers/container-store.js';
import { type InstanceInfo, PowerState } from '../compute-driver.js';

/** How many log lines a failure carries. */
export const failureLogLines = 10;

const powerStates: Record<ContainerStatus, PowerState> = {
  running: PowerState.RUNNING,
  restarting: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  created: PowerState.SHUTDOWN,
  exited: PowerState.SHUTDOWN,
  removing: PowerState.SHUTDOWN,
  dead: PowerState.CRASHED,
};

/** The power state of a container status. */
export function powerStateOf(status: ContainerStatus): PowerState {
  return powerStates[status];
}

/** Builds the info of `record` (of instance `instanceId`); `paths` are the container's files. */
export async function instanceInfo(instanceId: string, record: ContainerRecord, paths: { log: string; cgroupsPath: string }): Promise<InstanceInfo> {
  const live = record.status === 'running' || record.status === 'paused' || record.status === 'restarting';
  const stats = live ? readCgroupStats(paths.cgroupsPath) : undefined;
  const reason = failureReason(record);
  return {
    instanceId,
    powerState: powerStateOf(record.status),
    cpuTimeNs: stats?.cpuNanos ?? 0,
    memoryBytes: stats?.memoryBytes ?? 0,
    maxMemoryBytes: stats?.memoryLimitBytes ?? record.spec.memoryBytes ?? 0,
    ...(record.status === 'exited' && record.exitCode !== undefined && { exitCode: record.exitCode }),
    ...(reason !== undefined && { failure: await withLogTail(reason, paths.log) }),
    addresses: {},
  };
}

/** Why the instance is down when nobody asked it to be; undefined when it is up or was stopped. */
function failureReason(record: ContainerRecord): string | undefined {
  if (record.status === 'created' && record.error !== undefined) return `could not start: ${record.error}`;
  if (record.status !== 'exited' || record.stoppedByUser) return undefined;
  if (record.oomKilled) return 'OOM killed';
  if (record.exitCode === undefined || record.exitCode === 0) return record.exitCode === 0 ? 'exited with code 0' : undefined;
  if (record.exitCode === -1) return 'the instance disappeared (its monitor exited without recording an exit)';
  return record.exitCode > 128 ? `exited with code ${record.exitCode} (killed by signal ${record.exitCode - 128})` : `exited with code ${record.exitCode}`;
}

async function withLogTail(reason: string, logFile: string): Promise<string> {
  const lines = (await readLog(logFile)).slice(-failureLogLines).map((l) => l.text);
  return lines.length === 0 ? reason : `${reason}; last output:\n${lines.join('\n')}`;
}
