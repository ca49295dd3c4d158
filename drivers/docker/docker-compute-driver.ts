/**
 * The compute driver over a Docker Engine host: each instance is one container on the
 * daemon, named `instance-<id>` and labelled org.intermodal.driver=docker, made from an
 * image of our store that the driver loads into the daemon by id (docker-images.ts).
 * Snapshots come back into our store, so Glance and the other drivers see them.
 *
 * Networking: each network of an instance is the project's network mirrored on the daemon
 * (docker-networks.ts), with the port's fixed IP; an instance given none has loopback only.
 *
 * LIMITATIONS against the local driver: the root disk size is recorded, not enforced;
 * security groups, floating IPs, the metadata address and our embedded DNS do not reach
 * instances on a Docker host (their networks are segments on that host, see
 * docker-networks.ts); a user's stop and a
 * resized disk are remembered by the driver (driver-state.ts), not by the daemon; a boot
 * script needs /bin/sh in the image (looked up in the container's layers on a local
 * daemon; on a remote one through Docker's archive API, which counts a dangling symlink
 * as present); CPU and memory figures come from the cgroup when the
 * daemon is on this machine, else from the stats API (up to a second per call).
 */
import fs from 'node:fs';
import type { Engine } from '../../engine/engine.js';
import type { ContainerConfig } from '../../engine/images/image-config.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import type { AvailableResource, ComputeDriver, InstanceInfo, InstanceResources, SnapshotResult, SpawnRequest } from '../compute-driver.js';
import { InstanceLabels, containerName } from '../local/instance-labels.js';
import { limitsFor } from '../local/instance-limits.js';
import { DockerApi, type DockerEndpoint, readAll, statusError } from './docker-api.js';
import { type DockerContainer, type DockerStats, demuxLogs, dockerInstanceInfo, isLive } from './docker-container-info.js';
import { localCgroupStats } from './docker-cgroup.js';
import { commitToStore, ensureImageOnDaemon } from './docker-images.js';
import { removeStaleFillMounts } from './docker-local-rootfs.js';
import { checkSpawn, dockerDriverName, hostLimits, spawnOnDaemon } from './docker-spawn.js';
import { ensureDockerNetworks, pruneDockerNetworks } from './docker-networks.js';
import { DockerDriverState } from './driver-state.js';

export interface DockerComputeDriverOptions extends DockerEndpoint {
  /** How long spawn watches a started process before calling it up (ms); default 300. */
  earlyExitWindowMs?: number;
  /** Where the driver keeps its own state (user stops, resized disks); in memory only when omitted. */
  stateFile?: string;
  /** Name reported as the hypervisor host; the daemon's own name when omitted. */
  hostName?: string;
  /** Per-request timeout (ms) for quick calls, so an unreachable host fails fast; default 30 s. */
  requestTimeoutMs?: number;
}

const mib = 1024 * 1024;
const gib = 1024 * mib;

interface ListedContainer {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
}

/** ComputeDriver on a Docker Engine daemon. */
export class DockerComputeDriver implements ComputeDriver {
  readonly type = 'docker';
  readonly api: DockerApi;
  private readonly earlyExitWindowMs: number;
  private readonly state: DockerDriverState;
  private readonly timeoutMs: number;

  constructor(private readonly engine: Engine, private readonly options: DockerComputeDriverOptions) {
    this.api = new DockerApi(options);
    this.earlyExitWindowMs = options.earlyExitWindowMs ?? 300;
    this.state = new DockerDriverState(options.stateFile);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    if (this.api.isLocal && process.getuid?.() === 0) removeStaleFillMounts();
  }

  async spawn(request: SpawnRequest): Promise<InstanceInfo> {
    const checked = checkSpawn(this.engine, request);
    this.state.forget(request.instanceId);
    const networks = checked.networks.map((n) => n.attachment.name);
    let c: DockerContainer;
    try {
      c = await this.spawnOnNetworks(checked);
    } catch (err) {
      // Nothing left behind: a network made for this instance alone goes with it.
      await pruneDockerNetworks(this.api, networks, this.timeoutMs).catch(() => undefined);
      throw err;
    }
    return this.info(request.instanceId, c);
  }

  /**
   * Makes the instance's networks and the instance. The last instance of a network being
   * destroyed meanwhile can take the network away between the two (the daemon then refuses
   * the create, or creates and fails the start): the network is made again, once.
   */
  private async spawnOnNetworks(checked: ReturnType<typeof checkSpawn>): Promise<DockerContainer> {
    const networkGone = (text: string): boolean => checked.networks.length > 0 && /network \S+ not found/i.test(text);
    for (let attempt = 1; ; attempt++) {
      // Both before the create, neither needing the other.
      await Promise.all([ensureDockerNetworks(this.api, checked.networks.map((n) => n.network), this.timeoutMs), ensureImageOnDaemon(this.api, this.engine, checked.image)]);
      let c: DockerContainer;
      try {
        c = await spawnOnDaemon(this.api, this.engine, checked, this.earlyExitWindowMs);
      } catch (err) {
        if (attempt >= 2 || !(err instanceof NotFoundError) || !networkGone(err.message)) throw err;
        continue;
      }
      if (attempt >= 2 || c.State.Status !== 'created' || !networkGone(c.State.Error)) return c;
      await this.api.json('DELETE', `/containers/${c.Id}`, { query: { force: true, v: true } });
    }
  }

  async destroy(instanceId: string): Promise<void> {
    const c = await this.find(instanceId);
    if (c) {
      try {
        await this.api.json('DELETE', `/containers/${c.Id}`, { query: { force: true, v: true } });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      // Its networks go when it was their last instance on this host.
      await pruneDockerNetworks(this.api, Object.keys(c.NetworkSettings?.Networks ?? {}), this.timeoutMs);
    }
    this.state.forget(instanceId);
  }

  async listInstances(): Promise<string[]> {
    return (await this.listOurs()).map((c) => c.Labels[InstanceLabels.instanceId]!);
  }

  async getInfo(instanceId: string): Promise<InstanceInfo> {
    return this.info(instanceId, await this.current(instanceId));
  }

  async powerOn(instanceId: string): Promise<void> {
    const c = await this.current(instanceId);
    this.state.clearStopped(instanceId);
    await this.call('POST', `/containers/${c.Id}/start`);
  }

  async powerOff(instanceId: string, timeoutSeconds?: number): Promise<void> {
    if (timeoutSeconds !== undefined && (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)) throw new InvalidArgumentError(`invalid stop timeout ${timeoutSeconds}`);
    const c = await this.current(instanceId);
    // Marked first: the exit the stop causes must not read as a crash.
    this.state.markStopped(instanceId);
    if (c.State.Status === 'paused') await this.call('POST', `/containers/${c.Id}/unpause`);
    await this.call('POST', `/containers/${c.Id}/stop`, { t: timeoutSeconds === undefined ? undefined : Math.round(timeoutSeconds) }, (timeoutSeconds ?? 10) * 1000 + this.timeoutMs);
  }

  async reboot(instanceId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    if (type !== 'SOFT' && type !== 'HARD') throw new InvalidArgumentError(`reboot type must be SOFT or HARD, not '${String(type)}'`);
    const c = await this.current(instanceId);
    this.state.clearStopped(instanceId);
    if (type === 'SOFT') {
      if (c.State.Status === 'paused') await this.call('POST', `/containers/${c.Id}/unpause`);
      await this.call('POST', `/containers/${c.Id}/restart`, {}, 10_000 + this.timeoutMs);
      return;
    }
    // HARD: no chance to shut down cleanly, as a power cycle. A frozen process only dies once thawed.
    if (c.State.Status === 'paused') await this.call('POST', `/containers/${c.Id}/unpause`);
    if (isLive(c)) {
      await this.call('POST', `/containers/${c.Id}/kill`, { signal: 'SIGKILL' });
      await this.api.json('POST', `/containers/${c.Id}/wait`, { query: { condition: 'not-running' }, timeoutMs: this.timeoutMs });
    }
    await this.call('POST', `/containers/${c.Id}/start`);
  }

  async pause(instanceId: string): Promise<void> {
    await this.call('POST', `/containers/${(await this.current(instanceId)).Id}/pause`);
  }

  async unpause(instanceId: string): Promise<void> {
    await this.call('POST', `/containers/${(await this.current(instanceId)).Id}/unpause`);
  }

  async snapshot(instanceId: string, options: { tag?: string; comment?: string }): Promise<SnapshotResult> {
    const c = await this.current(instanceId);
    // The image's own command, not the boot script wrapper: a snapshot boots as its image did.
    const image = await commitToStore(this.api, this.engine, c.Id, this.sourceConfig(c), { ...(options.comment !== undefined && { comment: options.comment }) });
    const tagged = options.tag !== undefined ? this.engine.images.tag(image.id, options.tag) : image;
    const layers = tagged.topLayer === undefined ? [] : this.engine.layers.chain(tagged.topLayer);
    return { imageId: tagged.id, size: layers.reduce((sum, layer) => sum + layer.size, 0) };
  }

  async getConsoleOutput(instanceId: string, lines?: number): Promise<string> {
    if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) throw new InvalidArgumentError(`lines must be a non-negative integer, not ${lines}`);
    const c = await this.current(instanceId);
    if (lines === 0) return '';
    return this.logs(c, lines);
  }

  async resize(instanceId: string, resources: InstanceResources): Promise<void> {
    const limits = limitsFor(resources);
    const c = await this.current(instanceId);
    // The daemon applies it to the live cgroup and keeps it for the next start.
    await this.call('POST', `/containers/${c.Id}/update`, {}, this.timeoutMs, hostLimits(limits));
    this.state.setResizedDisk(instanceId, resources.diskGb);
  }

  async rebuild(instanceId: string, request: SpawnRequest): Promise<InstanceInfo> {
    if (request?.instanceId !== instanceId) throw new InvalidArgumentError(`a rebuild of instance '${instanceId}' must keep its id, not '${request?.instanceId}'`);
    await this.current(instanceId);
    // Refuse a bad request (unknown image, hostile path) while the old instance still exists.
    checkSpawn(this.engine, request);
    await this.destroy(instanceId);
    return this.spawn(request);
  }

  async getAvailableResource(): Promise<AvailableResource> {
    const info = await this.api.json<{ NCPU: number; MemTotal: number; Name: string; DockerRootDir: string }>('GET', '/info', { timeoutMs: this.timeoutMs });
    const ours = await this.listOurs();
    const used = { vcpus: 0, memoryMb: 0, diskGb: 0 };
    for (const listed of ours) {
      const c = await this.api.json<DockerContainer>('GET', `/containers/${listed.Id}/json`, { timeoutMs: this.timeoutMs }).catch(() => undefined);
      if (!c) continue;
      const id = listed.Labels[InstanceLabels.instanceId]!;
      // The live limits (a resize changes them), the disk from the flavor recorded.
      used.vcpus += c.HostConfig.NanoCpus / 1e9;
      used.memoryMb += Math.round(c.HostConfig.Memory / mib);
      used.diskGb += this.state.resizedDisk(id) ?? (Number(listed.Labels[InstanceLabels.diskGb]) || 0);
    }
    let localGb = 0;
    if (this.api.isLocal && fs.existsSync(info.DockerRootDir)) {
      const disk = fs.statfsSync(info.DockerRootDir);
      localGb = Math.floor((disk.blocks * disk.bsize) / gib);
    }
    return {
      hypervisorHostname: this.options.hostName ?? info.Name,
      hypervisorType: 'docker',
      vcpus: info.NCPU,
      vcpusUsed: used.vcpus,
      memoryMb: Math.floor(info.MemTotal / mib),
      memoryMbUsed: used.memoryMb,
      localGb,
      localGbUsed: used.diskGb,
      runningInstances: ours.length,
    };
  }

  /** Closes the connections to the daemon. */
  close(): void {
    this.api.close();
  }

  private async listOurs(): Promise<ListedContainer[]> {
    const filters = JSON.stringify({ label: [`${InstanceLabels.driver}=${dockerDriverName}`, InstanceLabels.instanceId] });
    const listed = await this.api.json<ListedContainer[]>('GET', '/containers/json', { query: { all: true, filters }, timeoutMs: this.timeoutMs });
    return listed.filter((c) => c.Names.includes(`/${containerName(c.Labels[InstanceLabels.instanceId]!)}`));
  }

  /** The instance's container; NotFoundError when there is no such instance. */
  private async current(instanceId: string): Promise<DockerContainer> {
    const c = await this.find(instanceId);
    if (!c) throw new NotFoundError(`instance '${instanceId}' not found`);
    return c;
  }

  /** The container of the instance, if it is one of ours; any other container is not seen. */
  private async find(instanceId: string): Promise<DockerContainer | undefined> {
    if (typeof instanceId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(instanceId)) return undefined;
    let c: DockerContainer;
    try {
      c = await this.api.json<DockerContainer>('GET', `/containers/${containerName(instanceId)}/json`, { timeoutMs: this.timeoutMs });
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const labels = c.Config.Labels ?? {};
    const ours = labels[InstanceLabels.driver] === dockerDriverName && labels[InstanceLabels.instanceId] === instanceId && c.Name === `/${containerName(instanceId)}`;
    return ours ? c : undefined;
  }

  /** A POST whose 304 (already in that state) is success, as the local driver's operations are. */
  private async call(method: string, path: string, query: Record<string, string | number | undefined> = {}, timeoutMs = this.timeoutMs, body?: unknown): Promise<void> {
    const res = await this.api.raw(method, path, { query, timeoutMs, ...(body !== undefined && { body }) });
    const text = (await readAll(res)).toString();
    if (res.statusCode === 304 || res.statusCode! < 300) return;
    const err = statusError(res.statusCode!, text, `${method} ${path}`);
    // "is not running", "is paused": a state that does not allow the operation.
    if (res.statusCode === 500 && /is not running|is paused|is not paused|is already/.test(text)) throw new FailedPreconditionError(err.message);
    throw err;
  }

  private async logs(c: DockerContainer, lines?: number): Promise<string> {
    const res = await this.api.stream('GET', `/containers/${c.Id}/logs`, { query: { stdout: true, stderr: true, tail: lines ?? 'all' }, timeoutMs: this.timeoutMs });
    const raw = await readAll(res);
    // With a terminal the daemon sends the bytes as they are; without, in stream frames.
    return c.Config.Tty ? raw.toString() : demuxLogs(raw);
  }

  private async info(instanceId: string, c: DockerContainer): Promise<InstanceInfo> {
    let stats: DockerStats | undefined;
    if (isLive(c)) {
      stats = this.api.isLocal ? localCgroupStats(c) : undefined;
      stats ??= await this.api.json<DockerStats>('GET', `/containers/${c.Id}/stats`, { query: { stream: false, 'one-shot': true }, timeoutMs: this.timeoutMs }).catch(() => undefined);
    }
    return dockerInstanceInfo(instanceId, c, stats, this.state.stoppedByUser(instanceId), (n) => this.logs(c, n));
  }

  /** The container config of the image the instance was made from (our store's). */
  private sourceConfig(c: DockerContainer): ContainerConfig {
    try {
      return this.engine.images.config(c.Image).config ?? {};
    } catch (err) {
      throw new FailedPreconditionError(`the image of instance container ${c.Id} is no longer in the store`, { cause: err });
    }
  }

}
