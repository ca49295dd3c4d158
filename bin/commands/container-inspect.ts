/** The inspect document of a container, in Docker's field names. */
import type { ContainerService } from '../../engine/containers/container-service.js';

/** Inspects one container. */
export async function inspectContainer(svc: ContainerService, idOrName: string): Promise<Record<string, unknown>> {
  const r = await svc.get(idOrName);
  const p = svc.paths(r.id);
  return {
    Id: r.id,
    Name: `/${r.name}`,
    Created: r.createdAt.toISOString(),
    Image: r.imageId,
    Config: { Image: r.imageRef, Cmd: r.spec.cmd ?? null, Entrypoint: r.spec.entrypoint ?? null, Env: r.spec.env, WorkingDir: r.spec.workdir ?? '', User: r.spec.user ?? '', Labels: r.spec.labels, Hostname: r.spec.hostname ?? r.id.slice(0, 12) },
    State: {
      Status: r.status, Running: r.status === 'running', Paused: r.status === 'paused', Restarting: r.status === 'restarting',
      OOMKilled: r.oomKilled, Dead: r.status === 'dead', Pid: r.pid ?? 0, ExitCode: r.exitCode ?? 0, Error: r.error ?? '',
      StartedAt: r.startedAt?.toISOString() ?? '0001-01-01T00:00:00Z', FinishedAt: r.finishedAt?.toISOString() ?? '0001-01-01T00:00:00Z',
    },
    RestartCount: r.restartCount,
    HostConfig: {
      Memory: r.spec.memoryBytes ?? 0, NanoCpus: r.spec.cpus !== undefined ? Math.round(r.spec.cpus * 1e9) : 0, CpuShares: r.spec.cpuShares ?? 0,
      PidsLimit: r.spec.pidsLimit ?? null, Privileged: r.spec.privileged, ReadonlyRootfs: r.spec.readOnly, CapAdd: r.spec.capAdd, CapDrop: r.spec.capDrop,
      RestartPolicy: { Name: r.spec.restartPolicy.name, MaximumRetryCount: r.spec.restartPolicy.maximumRetryCount }, AutoRemove: r.spec.autoRemove, Runtime: r.spec.runtime,
    },
    Mounts: r.spec.mounts.map((m) => ({ Type: m.type, Source: m.source, Destination: m.destination, RW: !m.readOnly })),
    LogPath: p.log,
    GraphDriver: { Name: 'overlay', Data: { MergedDir: p.rootfs } },
  };
}
