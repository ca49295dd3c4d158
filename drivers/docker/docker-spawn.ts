/**
 * Creating an instance on a Docker daemon, as the local driver does on our engine
 * (drivers/local/instance-spawn.ts): the request is checked completely and the image made
 * available before anything is created; the injected files and the boot script are put
 * into the created container before it starts, straight into its layers when the daemon is
 * on this machine (docker-local-rootfs.ts), else with the archive API (a tar we build); the
 * boot script wraps the image's command exactly as on the local driver. Whatever fails
 * between create and a started process removes the container again. A process that starts
 * and dies at once, or whose program does not exist, is not a spawn failure: the instance
 * stays, down, and its info says why. The instance's networks are the project's networks
 * mirrored on the daemon (docker-networks.ts): eth0 at create, the others connected before
 * the start, each with the port's fixed IP.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Engine } from '../../engine/engine.js';
import { InvalidArgumentError, NotFoundError, NotImplementedError } from '../../engine/errors.js';
import type { ImageRecord } from '../../engine/images/image-store.js';
import { TarWriter } from '../../engine/layers/tar-writer.js';
import { processArgs } from '../../engine/runtime/spec/process-args.js';
import type { SpawnRequest } from '../compute-driver.js';
import { bootScriptPath, bootShell } from '../local/boot-script.js';
import { InstanceLabels, checkInstanceId, containerName, hostnameFor, resourceLabels } from '../local/instance-labels.js';
import { type InstanceLimits, limitsFor } from '../local/instance-limits.js';
import { checkInstancePath } from '../local/rootfs-write.js';
import { type DockerApi, readAll } from './docker-api.js';
import type { DockerContainer } from './docker-container-info.js';
import { type DockerAttachment, resolveAttachments } from './docker-networks.js';
import type { NetworkRecord } from '../../engine/network/network.js';
import { type ContainerFile, LocalContainerRoot } from './docker-local-rootfs.js';

/** The driver label's value on this driver's containers. */
export const dockerDriverName = 'docker';

/** A checked spawn request: the image resolved in our store and the limits computed. */
export interface CheckedSpawn {
  request: SpawnRequest;
  image: ImageRecord;
  limits: InstanceLimits;
  /** The interfaces, eth0 first, and the networks they are on. */
  networks: Array<{ network: NetworkRecord; attachment: DockerAttachment }>;
}

/** Checks a spawn request completely without touching the daemon; NotFoundError for an unknown image. */
export function checkSpawn(engine: Engine, request: SpawnRequest): CheckedSpawn {
  if (request === null || typeof request !== 'object') throw new InvalidArgumentError('a spawn request is required');
  checkInstanceId(request.instanceId);
  if (typeof request.name !== 'string') throw new InvalidArgumentError('the instance name must be a string');
  if (typeof request.image !== 'string' || request.image === '') throw new InvalidArgumentError('an image is required');
  // A systemd machine needs its own cgroup tree and lxcfs, which this driver cannot give a Docker host's container.
  if (request.init === 'system') throw new NotImplementedError("system-container mode (the image's own /sbin/init) is not available on a Docker compute host");
  if (request.hostname !== undefined && typeof request.hostname !== 'string') throw new InvalidArgumentError('the hostname must be a string');
  const limits = limitsFor(request.resources);
  for (const file of request.files ?? []) {
    checkInstancePath(file.path);
    if (!Buffer.isBuffer(file.contents)) throw new InvalidArgumentError(`contents of injected file '${file.path}' must be bytes`);
    if (file.mode !== undefined && (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777)) throw new InvalidArgumentError(`invalid mode ${file.mode} for injected file '${file.path}'`);
  }
  if (request.bootScript !== undefined && !Buffer.isBuffer(request.bootScript)) throw new InvalidArgumentError('the boot script must be bytes');
  for (const [key, value] of Object.entries(request.labels ?? {})) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`label '${key}' must have a string value`);
  }
  for (const entry of request.process?.env ?? []) if (typeof entry !== 'string' || !/^[^=]+=/.test(entry)) throw new InvalidArgumentError(`environment entry ${JSON.stringify(entry)} must be KEY=value`);
  const networks = resolveAttachments(engine, request.networks);
  return { request, image: engine.images.resolve(request.image), limits, networks };
}

/** The daemon's limits for ours: hard memory without swap, a CPU quota, a weight per vcpu. */
export function hostLimits(limits: InstanceLimits): { Memory: number; MemorySwap: number; NanoCpus: number; CpuShares: number } {
  return { Memory: limits.memoryBytes, MemorySwap: limits.memoryBytes, NanoCpus: Math.round(limits.cpus * 1e9), CpuShares: limits.cpuShares };
}

/**
 * Creates, fills and starts the instance (its image and networks already on the daemon);
 * resolves with its container once it has started and either survived `earlyExitWindowMs`
 * or died within it.
 */
export async function spawnOnDaemon(api: DockerApi, engine: Engine, checked: CheckedSpawn, earlyExitWindowMs: number): Promise<DockerContainer> {
  const { request, image, limits } = checked;
  const imageConfig = engine.images.config(image.id).config ?? {};
  const labels: Record<string, string> = { ...request.labels, ...resourceLabels(request.resources), [InstanceLabels.instanceId]: request.instanceId, [InstanceLabels.driver]: dockerDriverName };
  // A container resource's overrides (Heat), the same fields the local driver honours.
  const p = request.process ?? {};
  const [first, ...more] = checked.networks.map((n) => n.attachment);
  const restart = p.restartPolicy ?? { name: 'no', maximumRetryCount: 0 };
  const body: Record<string, unknown> = {
    Image: image.id,
    Hostname: p.hostname ?? request.hostname ?? hostnameFor(request.name, request.instanceId),
    // The driver's own labels last, so a request cannot pass one instance off as another.
    Labels: labels,
    ...(p.env !== undefined && { Env: p.env }),
    ...(p.entrypoint !== undefined && { Entrypoint: p.entrypoint }), ...(p.command !== undefined && { Cmd: p.command }),
    ...(p.workingDir !== undefined && { WorkingDir: p.workingDir }), ...(p.user !== undefined && { User: p.user }),
    ...(p.tty !== undefined && { Tty: p.tty }), ...(p.openStdin !== undefined && { OpenStdin: p.openStdin }),
    HostConfig: {
      ...hostLimits(limits), ...(p.cpuShares !== undefined && { CpuShares: p.cpuShares }),
      NetworkMode: first?.name ?? 'none', RestartPolicy: { Name: restart.name, MaximumRetryCount: restart.maximumRetryCount },
      ReadonlyRootfs: p.readOnly ?? false, Privileged: p.privileged ?? false, CapAdd: p.capAdd ?? [], CapDrop: p.capDrop ?? [],
    },
    // API v1.41 sets a MAC for the container's first network only.
    ...(first?.mac !== undefined && { MacAddress: first.mac }),
    ...(first !== undefined && { NetworkingConfig: { EndpointsConfig: { [first.name]: endpointConfig(first) } } }),
  };
  if (request.bootScript !== undefined) {
    // `sh -c SCRIPT -- ARGS...`: the command it would have run is exec'd afterwards and stays pid 1.
    body['Entrypoint'] = [bootShell, '-c', `${bootScriptPath}; exec "$@"`, '--'];
    body['Cmd'] = processArgs(imageConfig, p.entrypoint, p.command);
  }
  const name = containerName(request.instanceId);
  let created = await api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
  try {
    const files = (request.files ?? []).map((f) => ({ path: f.path, contents: f.contents, mode: f.mode ?? 0o644 }));
    if ((await fillContainer(api, created.Id, files, request.bootScript)) === 'no-shell') {
      // Without a shell the wrapper cannot run: boot the image's own command and say so.
      await api.json('DELETE', `/containers/${created.Id}`, { query: { force: true } });
      const { Entrypoint: _e, Cmd: _c, ...plain } = body;
      const own = { ...(p.entrypoint !== undefined && { Entrypoint: p.entrypoint }), ...(p.command !== undefined && { Cmd: p.command }) };
      created = await api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body: { ...plain, ...own, Labels: { ...labels, [InstanceLabels.bootScript]: `not run: the image has no ${bootShell}` } } });
      await fillContainer(api, created.Id, files);
    }
    for (const attachment of more) {
      await api.json('POST', `/networks/${encodeURIComponent(attachment.name)}/connect`, { body: { Container: created.Id, EndpointConfig: endpointConfig(attachment) } });
    }
  } catch (err) {
    await api.json('DELETE', `/containers/${created.Id}`, { query: { force: true, v: true } }).catch(() => undefined);
    throw err;
  }
  try {
    await api.json('POST', `/containers/${created.Id}/start`);
  } catch (err) {
    // The runtime refused the program (missing, not executable): the instance exists and
    // failed to boot, and its state says why. Anything else is the host's failure.
    const state = await api.json<DockerContainer>('GET', `/containers/${created.Id}/json`).catch(() => undefined);
    if (state?.State.Error) return state;
    await api.json('DELETE', `/containers/${created.Id}`, { query: { force: true, v: true } }).catch(() => undefined);
    throw err;
  }
  return watchEarlyExit(api, created.Id, earlyExitWindowMs);
}

/** The daemon's endpoint settings for an interface: its fixed IP and its DNS names. */
function endpointConfig(a: DockerAttachment): Record<string, unknown> {
  return { ...(a.address !== undefined && { IPAMConfig: { IPv4Address: a.address } }), Aliases: a.aliases };
}

/** Whether `file` exists in the container (a symlink counts; Docker resolves it in the container's root). */
async function hasPath(api: DockerApi, id: string, file: string): Promise<boolean> {
  const res = await api.raw('HEAD', `/containers/${id}/archive`, { query: { path: file } });
  await readAll(res);
  if (res.statusCode === 404) return false;
  if (res.statusCode! >= 400) throw new NotFoundError(`cannot look at ${file} in container ${id}: ${res.statusCode}`);
  return true;
}

/**
 * Puts the injected files and the boot script into the created container: straight into
 * its layers when they are on this machine (docker-local-rootfs.ts), else with the archive
 * API. 'no-shell' (and nothing written) when there is a boot script but no shell to run it.
 */
async function fillContainer(api: DockerApi, id: string, files: ContainerFile[], bootScript?: Buffer): Promise<'filled' | 'no-shell'> {
  if (files.length === 0 && bootScript === undefined) return 'filled';
  const entries = bootScript === undefined ? files : [...files, { path: bootScriptPath, contents: bootScript, mode: 0o755 }];
  const local = await LocalContainerRoot.open(api, id);
  let written = false;
  if (local) {
    try {
      if (bootScript !== undefined && !local.has(bootShell)) return 'no-shell';
      written = local.write(entries);
    } finally {
      // Unmounted before the daemon mounts these layers itself (archive PUT or start).
      local.close();
    }
  } else if (bootScript !== undefined && !(await hasPath(api, id, bootShell))) {
    return 'no-shell';
  }
  if (!written) await putFiles(api, id, entries);
  return 'filled';
}

/** Writes the files into the created container with one tar through the archive API. */
async function putFiles(api: DockerApi, id: string, entries: ContainerFile[]): Promise<void> {
  if (entries.length === 0) return;
  const tar = new TarWriter();
  const bytes = readAll(tar.stream);
  const mtime = Math.floor(Date.now() / 1000);
  // Only files: Docker creates missing parents (0755) and leaves existing directories as they are.
  for (const e of entries) await tar.add({ name: checkInstancePath(e.path).join('/'), type: 'file', size: e.contents.length, mode: e.mode, mtime }, e.contents);
  await tar.finish();
  try {
    await api.json('PUT', `/containers/${id}/archive`, { query: { path: '/' }, body: await bytes, contentType: 'application/x-tar' });
  } catch (err) {
    // The daemon extracts in the container's root and refuses a path it cannot follow there
    // (through a file, or a symlink pointing out of the image): the request's fault.
    const text = (err as Error).message;
    if (/Error processing tar file/.test(text)) throw new InvalidArgumentError(`an injected file cannot be written in the image: ${text.replace(/^.*Error processing tar file(\(exit status \d+\))?:\s*/, '')}`, { cause: err });
    throw err;
  }
}

/** Polls the container for the window: an instance that dies at once is reported down, not up. */
async function watchEarlyExit(api: DockerApi, id: string, windowMs: number): Promise<DockerContainer> {
  let c = await api.json<DockerContainer>('GET', `/containers/${id}/json`);
  for (const deadline = Date.now() + windowMs; c.State.Status === 'running' && Date.now() < deadline; c = await api.json<DockerContainer>('GET', `/containers/${id}/json`)) await sleep(20);
  return c;
}
