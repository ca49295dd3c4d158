/**
 * Creating an instance on the engine: a container made from the spawn request, the
 * injected files and the boot script written into its root filesystem before it starts,
 * then started. Everything that can be refused is checked before anything is created;
 * whatever fails between create and a started process removes the container again (record,
 * snapshot, mount), so a refused spawn leaves nothing. A process that the runtime starts
 * but that dies at once (or whose program does not exist) is not a spawn failure: the
 * instance stays, down, with the reason, and the caller decides what that means.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerService } from '../../engine/containers/container-service.js';
import type { ContainerSpec } from '../../engine/containers/container-spec.js';
import type { ContainerRecord } from '../../engine/containers/container-store.js';
import type { Engine } from '../../engine/engine.js';
import { InvalidArgumentError } from '../../engine/errors.js';
import { isMountPoint, mountAll } from '../../engine/mount/index.js';
import type { SpawnRequest } from '../compute-driver.js';
import { bootScriptPath, bootShell, wrapWithBootScript } from './boot-script.js';
import { replaceContainerSpec } from './container-spec-update.js';
import { InstanceLabels, checkInstanceId, containerName, driverName, hostnameFor, resourceLabels } from './instance-labels.js';
import { limitsFor } from './instance-limits.js';
import { ensureLxcfs, lxcfsMounts } from './lxcfs.js';
import { checkInstancePath, existsInRoot, writeFileInRoot } from './rootfs-write.js';
import { systemContainerSpec } from './system-container.js';

/** Checks a spawn request completely, without touching anything; returns the container spec it gives. */
export function specFor(engine: Engine, request: SpawnRequest): ContainerSpec {
  if (request === null || typeof request !== 'object') throw new InvalidArgumentError('a spawn request is required');
  checkInstanceId(request.instanceId);
  if (typeof request.name !== 'string') throw new InvalidArgumentError('the instance name must be a string');
  if (typeof request.image !== 'string' || request.image === '') throw new InvalidArgumentError('an image is required');
  const limits = limitsFor(request.resources);
  for (const file of request.files ?? []) {
    checkInstancePath(file.path);
    if (!Buffer.isBuffer(file.contents)) throw new InvalidArgumentError(`contents of injected file '${file.path}' must be bytes`);
    if (file.mode !== undefined && (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777)) throw new InvalidArgumentError(`invalid mode ${file.mode} for injected file '${file.path}'`);
  }
  if (request.bootScript !== undefined && !Buffer.isBuffer(request.bootScript)) throw new InvalidArgumentError('the boot script must be bytes');
  if (request.init !== undefined && request.init !== 'app' && request.init !== 'system') throw new InvalidArgumentError(`init must be 'app' or 'system', not ${JSON.stringify(request.init)}`);
  if (request.hostname !== undefined && typeof request.hostname !== 'string') throw new InvalidArgumentError('the hostname must be a string');
  for (const [key, value] of Object.entries(request.labels ?? {})) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`label '${key}' must have a string value`);
  }
  const p = request.process ?? {};
  for (const entry of p.env ?? []) if (typeof entry !== 'string' || !/^[^=]+=/.test(entry)) throw new InvalidArgumentError(`environment entry ${JSON.stringify(entry)} must be KEY=value`);
  // NotFoundError for an unknown image, before anything exists.
  const image = engine.images.resolve(request.image);
  const spec: ContainerSpec = {
    image: image.id,
    env: [...(p.env ?? [])],
    hostname: p.hostname ?? request.hostname ?? hostnameFor(request.name, request.instanceId),
    ...(p.command !== undefined && { cmd: p.command }), ...(p.entrypoint !== undefined && { entrypoint: p.entrypoint }),
    ...(p.workingDir !== undefined && { workdir: p.workingDir }), ...(p.user !== undefined && { user: p.user }),
    ...(p.tty !== undefined && { tty: p.tty }), ...(p.openStdin !== undefined && { openStdin: p.openStdin }),
    // The driver's own labels last, so a request cannot pass one instance off as another.
    labels: { ...request.labels, ...resourceLabels(request.resources), [InstanceLabels.instanceId]: request.instanceId, [InstanceLabels.driver]: driverName },
    mounts: [],
    tmpfs: [],
    volumesFrom: [],
    readOnly: p.readOnly ?? false,
    privileged: p.privileged ?? false,
    capAdd: p.capAdd ?? [],
    capDrop: p.capDrop ?? [],
    ...limits,
    ...(p.cpuShares !== undefined && { cpuShares: p.cpuShares }),
    restartPolicy: p.restartPolicy ?? { name: 'no', maximumRetryCount: 0 },
    autoRemove: false,
    userns: false,
    runtime: 'runc',
    ...(request.networks !== undefined && request.networks.length > 0 && { networks: request.networks.map((n) => ({
      network: n.network, ...(n.mac !== undefined && { mac: n.mac }), ...(n.aliases !== undefined && { aliases: n.aliases }), ...(n.address !== undefined && { address: n.address }),
    })) }),
  };
  return request.init === 'system' ? systemContainerSpec(spec, request.instanceId, request.resources.vcpus, lxcfsMounts()) : spec;
}

/**
 * Creates, fills and starts the instance; resolves with its container once it has started
 * and either survived `earlyExitWindowMs` or died within it.
 */
export async function spawnContainer(containers: ContainerService, engine: Engine, request: SpawnRequest, earlyExitWindowMs: number): Promise<ContainerRecord> {
  if (request?.init === 'system') await ensureLxcfs();
  const spec = specFor(engine, request);
  const record = await containers.create(spec, containerName(request.instanceId));
  try {
    await fillRootfs(containers, engine, record, request);
  } catch (err) {
    await containers.remove(record.id, { force: true });
    throw err;
  }
  try {
    await containers.start(record.id);
  } catch (err) {
    // The runtime's InvalidArgumentError is the program itself (missing, not executable):
    // the instance exists and failed to boot. Anything else is the host's failure.
    if (!(err instanceof InvalidArgumentError)) {
      await containers.remove(record.id, { force: true }).catch(() => undefined);
      throw err;
    }
    return containers.get(record.id);
  }
  return watchEarlyExit(containers, record.id, earlyExitWindowMs);
}

/** Mounts the rootfs (start keeps that mount) and writes the injected files and the boot script. */
async function fillRootfs(containers: ContainerService, engine: Engine, record: ContainerRecord, request: SpawnRequest): Promise<void> {
  const files = request.files ?? [];
  if (files.length === 0 && request.bootScript === undefined) return;
  const rootfs = containers.paths(record.id).rootfs;
  if (!isMountPoint(rootfs)) mountAll(await engine.snapshots.mounts(record.id), rootfs);
  for (const file of files) writeFileInRoot(rootfs, file.path, file.contents, file.mode ?? 0o644);
  if (request.bootScript === undefined) return;
  if (existsInRoot(rootfs, bootShell)) {
    writeFileInRoot(rootfs, bootScriptPath, request.bootScript, 0o755);
    replaceContainerSpec(engine, record.id, wrapWithBootScript(record.spec, engine.images.config(record.imageId).config ?? {}));
  } else {
    const labels = { ...record.spec.labels, [InstanceLabels.bootScript]: `not run: the image has no ${bootShell}` };
    replaceContainerSpec(engine, record.id, { ...record.spec, labels });
  }
}

/** Polls the container for the window: an instance that dies at once is reported down, not up. */
async function watchEarlyExit(containers: ContainerService, id: string, windowMs: number): Promise<ContainerRecord> {
  let record = await containers.get(id);
  for (const deadline = Date.now() + windowMs; record.status === 'running' && Date.now() < deadline; record = await containers.get(id)) await sleep(20);
  return record;
}
