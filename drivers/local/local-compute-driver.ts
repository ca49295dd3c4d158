/**
 * The compute driver over this machine's engine: each instance is one container, named
 * `instance-<id>` and labelled as the driver's (instance-labels.ts). The driver shares the
 * server's ContainerService and Engine, so the CLI, the API and this driver see the same
 * containers; it only ever acts on those carrying its labels.
 *
 * LIMITATIONS against a Nova hypervisor: the root disk size (diskGb) is recorded and
 * counted in allocations, not enforced (overlayfs has no per-directory quota here);
 * `addresses` are the interfaces the engine plugged (SpawnRequest.networks); a rebuild whose new spawn fails leaves
 * the instance gone (the API marks it ERROR); a boot script needs /bin/sh in the image, and
 * without it is recorded as not run (label org.intermodal.boot-script).
 */
import fs from 'node:fs';
import os from 'node:os';
import type { ContainerService } from '../../engine/containers/container-service.js';
import type { ContainerRecord } from '../../engine/containers/container-store.js';
import { readLog } from '../../engine/containers/container-log.js';
import type { Engine } from '../../engine/engine.js';
import { InvalidArgumentError, NotFoundError } from '../../engine/errors.js';
import { commitSnapshot } from '../../engine/images/commit-snapshot.js';
import type { AvailableResource, ComputeDriver, InstanceInfo, InstanceResources, PrestartHook, SnapshotResult, SpawnRequest } from '../compute-driver.js';
import { applyCgroupLimits, applyCpuset } from './cgroup-limits.js';
import { replaceContainerSpec } from './container-spec-update.js';
import { containerName, instanceIdOf, resourceLabels, resourcesOf } from './instance-labels.js';
import { instanceAddresses } from './instance-addresses.js';
import { instanceInfo } from './instance-info.js';
import { limitsFor } from './instance-limits.js';
import { specFor, spawnContainer } from './instance-spawn.js';
import { ensureLxcfs } from './lxcfs.js';
import { cpusetFor } from './system-container.js';
import { attachInstanceVolume, detachInstanceVolume } from './instance-volumes.js';
import type { VolumeRef } from '../compute-driver.js';

/** Options of the local driver. */
export interface LocalComputeDriverOptions {
  /**
   * How long spawn watches a started process before calling it up: one that exits within
   * this window is returned down, with the reason. Default 300 ms.
   */
  earlyExitWindowMs?: number;
}

const mib = 1024 * 1024;
const gib = 1024 * mib;
const live = new Set(['running', 'paused', 'restarting']);

/** ComputeDriver on the embedded engine (runc under conmon, overlayfs). */
export class LocalComputeDriver implements ComputeDriver {
  readonly type = 'local';
  private readonly earlyExitWindowMs: number;
  private prestart?: PrestartHook;
  private prestartSet = false;

  constructor(private readonly containers: ContainerService, private readonly engine: Engine, options: LocalComputeDriverOptions = {}) {
    this.earlyExitWindowMs = options.earlyExitWindowMs ?? 300;
  }

  /**
   * Each start of one of this driver's instances calls the hook with the addresses its
   * interfaces got, before its process runs. The container service (shared, and outliving
   * an API that closes) gets one forwarder per driver, which does nothing once the hook is removed.
   */
  setPrestartHook(hook: PrestartHook | undefined): void {
    const first = !this.prestartSet;
    this.prestart = hook;
    this.prestartSet = true;
    if (!first) return;
    this.containers.addPrestartHook(async (record, endpoints) => {
      const instanceId = instanceIdOf(record);
      if (instanceId === undefined || this.prestart === undefined) return;
      const addresses: InstanceInfo['addresses'] = {};
      for (const e of endpoints) (addresses[e.networkName] ??= []).push({ address: e.address, mac: e.mac });
      await this.prestart(instanceId, addresses);
    });
  }

  async spawn(request: SpawnRequest): Promise<InstanceInfo> {
    const record = await spawnContainer(this.containers, this.engine, request, this.earlyExitWindowMs);
    return this.info(request.instanceId, record);
  }

  async destroy(instanceId: string): Promise<void> {
    const record = this.find(instanceId);
    if (!record) return;
    try {
      await this.containers.remove(record.id, { force: true, volumes: true });
    } catch (err) {
      // Removed meanwhile by another caller: gone is what was asked for.
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  async listInstances(): Promise<string[]> {
    return this.containers.store.list().map(instanceIdOf).filter((id): id is string => id !== undefined);
  }

  async getInfo(instanceId: string): Promise<InstanceInfo> {
    return this.info(instanceId, await this.current(instanceId));
  }

  async powerOn(instanceId: string): Promise<void> {
    const record = await this.current(instanceId);
    // Its lxcfs binds need lxcfs serving (it is gone after a host reboot until started again).
    if (record.spec.systemInit) await ensureLxcfs();
    await this.containers.start(record.id);
  }

  async powerOff(instanceId: string, timeoutSeconds?: number): Promise<void> {
    if (timeoutSeconds !== undefined && (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)) throw new InvalidArgumentError(`invalid stop timeout ${timeoutSeconds}`);
    await this.containers.stop((await this.current(instanceId)).id, timeoutSeconds);
  }

  async reboot(instanceId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    if (type !== 'SOFT' && type !== 'HARD') throw new InvalidArgumentError(`reboot type must be SOFT or HARD, not '${String(type)}'`);
    const record = await this.current(instanceId);
    if (record.spec.systemInit) await ensureLxcfs();
    if (type === 'SOFT') {
      await this.containers.restart(record.id);
      return;
    }
    // HARD: no chance to shut down cleanly, as a power cycle. A frozen process only
    // receives SIGKILL once thawed.
    if (record.status === 'paused') await this.containers.unpause(record.id);
    if (live.has(record.status)) {
      await this.containers.kill(record.id, 'SIGKILL');
      await this.containers.wait(record.id);
    }
    await this.containers.start(record.id);
  }

  async pause(instanceId: string): Promise<void> {
    await this.containers.pause((await this.current(instanceId)).id);
  }

  async unpause(instanceId: string): Promise<void> {
    await this.containers.unpause((await this.current(instanceId)).id);
  }

  async snapshot(instanceId: string, options: { tag?: string; comment?: string }): Promise<SnapshotResult> {
    const record = await this.current(instanceId);
    // Keep the upper dir still while it is read, as `intermodal commit` does.
    const pause = record.status === 'running';
    if (pause) await this.containers.pause(record.id);
    try {
      const image = await commitSnapshot(this.engine, record.id, {
        ...(options.tag !== undefined && { ref: options.tag }),
        ...(options.comment !== undefined && { message: options.comment }),
        createdBy: `intermodal snapshot of instance ${instanceId}`,
      });
      const layers = image.topLayer === undefined ? [] : this.engine.layers.chain(image.topLayer);
      return { imageId: image.id, size: layers.reduce((sum, layer) => sum + layer.size, 0) };
    } finally {
      if (pause) await this.containers.unpause(record.id);
    }
  }

  async getConsoleOutput(instanceId: string, lines?: number): Promise<string> {
    if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) throw new InvalidArgumentError(`lines must be a non-negative integer, not ${lines}`);
    const record = await this.current(instanceId);
    const all = (await readLog(this.containers.paths(record.id).log)).map((l) => `${l.text}\n`);
    return (lines === undefined ? all : lines === 0 ? [] : all.slice(-lines)).join('');
  }

  async resize(instanceId: string, resources: InstanceResources): Promise<void> {
    const limits = limitsFor(resources);
    const record = await this.current(instanceId);
    // A system container's vCPUs are also its cpuset (what nproc counts): it follows the new count.
    const { cpusetCpus: _old, ...spec } = record.spec;
    const cpuset = spec.systemInit ? cpusetFor(instanceId, resources.vcpus) : record.spec.cpusetCpus;
    if (live.has(record.status)) {
      applyCgroupLimits(this.containers.paths(record.id).cgroupsPath, limits);
      if (spec.systemInit) applyCpuset(this.containers.paths(record.id).cgroupsPath, cpuset);
    }
    // Stored too, so the next start (power on, reboot, host restart) keeps the new limits.
    replaceContainerSpec(this.engine, record.id, { ...spec, ...limits, ...(cpuset !== undefined && { cpusetCpus: cpuset }), labels: { ...record.spec.labels, ...resourceLabels(resources) } });
  }

  async rebuild(instanceId: string, request: SpawnRequest): Promise<InstanceInfo> {
    if (request?.instanceId !== instanceId) throw new InvalidArgumentError(`a rebuild of instance '${instanceId}' must keep its id, not '${request?.instanceId}'`);
    await this.current(instanceId);
    // Refuse a bad request (unknown image, hostile path) while the old instance still exists.
    specFor(this.engine, request);
    await this.destroy(instanceId);
    return this.spawn(request);
  }

  async getAvailableResource(): Promise<AvailableResource> {
    const instances = this.containers.store.list().filter((r) => instanceIdOf(r) !== undefined);
    const used = instances.map(resourcesOf).reduce((sum, r) => ({ vcpus: sum.vcpus + r.vcpus, memoryMb: sum.memoryMb + r.memoryMb, diskGb: sum.diskGb + r.diskGb }), { vcpus: 0, memoryMb: 0, diskGb: 0 });
    const disk = fs.statfsSync(this.engine.config.dataDir);
    return {
      hypervisorHostname: os.hostname(),
      hypervisorType: 'intermodal',
      vcpus: os.cpus().length,
      vcpusUsed: used.vcpus,
      memoryMb: Math.floor(os.totalmem() / mib),
      memoryMbUsed: used.memoryMb,
      localGb: Math.floor((disk.blocks * disk.bsize) / gib),
      localGbUsed: used.diskGb,
      // As Nova's running_vms: every instance placed on this host, whatever its power state.
      runningInstances: instances.length,
    };
  }

  async attachVolume(instanceId: string, volume: VolumeRef, mountPath: string): Promise<void> {
    await attachInstanceVolume(this.containers, (await this.current(instanceId)).id, volume, mountPath);
  }

  async detachVolume(instanceId: string, volume: VolumeRef): Promise<void> {
    const record = this.find(instanceId);
    if (record) await detachInstanceVolume(this.containers, record.id, volume);
  }

  /** The instance's container, state refreshed; NotFoundError when there is no such instance. */
  private async current(instanceId: string): Promise<ContainerRecord> {
    const record = this.find(instanceId);
    if (!record) throw new NotFoundError(`instance '${instanceId}' not found`);
    return this.containers.get(record.id);
  }

  /** The container of the instance, if it is one of ours; any other container is not seen. */
  private find(instanceId: string): ContainerRecord | undefined {
    if (typeof instanceId !== 'string' || instanceId === '') return undefined;
    let record: ContainerRecord;
    try {
      record = this.containers.store.resolve(containerName(instanceId));
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof InvalidArgumentError) return undefined;
      throw err;
    }
    return instanceIdOf(record) === instanceId ? record : undefined;
  }

  private async info(instanceId: string, record: ContainerRecord): Promise<InstanceInfo> {
    const info = await instanceInfo(instanceId, record, this.containers.paths(record.id));
    return { ...info, addresses: instanceAddresses(this.engine, record.id) };
  }
}
