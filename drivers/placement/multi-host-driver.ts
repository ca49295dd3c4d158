/**
 * One ComputeDriver over several compute hosts, each a driver of its own (local, docker):
 * a new instance goes to a host with room for its flavor (Nova's default allocation ratios:
 * 16 vCPUs and 1.5 MiB of RAM allocatable per physical one), the one with the fewest
 * instances among those; every later call goes to the host that holds the instance. Where
 * an instance lives is asked of the hosts themselves (each lists only its own instances,
 * by its labels) and remembered, so a restarted server finds its instances again without
 * a table of its own. A host that stops answering makes its instances' info NOSTATE
 * rather than failing every call, so the API can still list servers.
 *
 * Availability zones are groups of hosts (each host names its zone, `nova` by default): a
 * request for a zone, or for one host of it, is placed among those hosts only, and fails
 * with Nova's "No valid host was found" when none of them has room.
 */
import { FailedPreconditionError, IntermodalError, NotFoundError } from '../../engine/errors.js';
import { PlacementMemory } from './placement-memory.js';
import { ResourceTracker } from './resource-tracker.js';
import { NotImplementedError } from '../../engine/errors.js';
import type { VolumeRef } from '../compute-driver.js';
import { type AvailabilityZone, type AvailableResource, type ComputeDriver, type InstanceInfo, type InstanceResources, type PlacementRequest, type PrestartHook, PowerState, type SnapshotResult, type SpawnRequest } from '../compute-driver.js';

/** A named compute host. */
export interface ComputeHost {
  name: string;
  driver: ComputeDriver;
  /** Its availability zone; `nova` (Nova's default_availability_zone) when omitted. */
  zone?: string;
}

/** Nova's default availability zone. */
export const defaultZone = 'nova';

const zoneOf = (host: ComputeHost): string => host.zone ?? defaultZone;

/** Nova's default cpu_allocation_ratio and ram_allocation_ratio. */
export const allocationRatios = { vcpus: 16, memory: 1.5 } as const;

/** How long a host may take to answer a placement or lookup question (ms). */
const hostAnswerMs = 10_000;

export class MultiHostDriver implements ComputeDriver {
  readonly type: string;
  private readonly where: PlacementMemory;
  private readonly room = new ResourceTracker();
  /** The resources of the instances this process placed, to release on destroy. */
  private readonly sizes = new Map<string, InstanceResources | undefined>();

  /** `placementFile`: where to remember which host holds which instance (memory only when omitted). */
  constructor(readonly hosts: ComputeHost[], options: { placementFile?: string } = {}) {
    this.where = new PlacementMemory(options.placementFile);
    if (hosts.length === 0) throw new FailedPreconditionError('no compute host is configured');
    const names = new Set(hosts.map((h) => h.name));
    if (names.size !== hosts.length) throw new FailedPreconditionError('compute host names must be unique');
    this.type = [...new Set(hosts.map((h) => h.driver.type))].join('+');
  }

  async spawn(request: SpawnRequest): Promise<InstanceInfo> {
    const host = await this.place(request?.resources, request?.placement);
    // Claimed before the spawn, so a boot placed meanwhile counts this one.
    this.room.claim(host.name, request.resources, 1);
    let info: InstanceInfo;
    try {
      info = await host.driver.spawn(request);
    } catch (err) {
      this.room.claim(host.name, request.resources, -1);
      throw err;
    }
    this.where.set(request.instanceId, host.name);
    this.sizes.set(request.instanceId, request.resources);
    return { ...info, availabilityZone: zoneOf(host), host: host.name };
  }

  async destroy(instanceId: string): Promise<void> {
    const host = await this.locate(instanceId);
    if (!host) return;
    await host.driver.destroy(instanceId);
    this.where.delete(instanceId);
    // Released from the count when its size is known here; else the host's next report counts what is left.
    if (this.sizes.has(instanceId)) this.room.claim(host.name, this.sizes.get(instanceId), -1);
    else this.room.forget(host.name);
    this.sizes.delete(instanceId);
  }

  /** Every host's instances; for a host that does not answer, the ones remembered there. */
  async listInstances(): Promise<string[]> {
    const lists = await Promise.all(this.hosts.map(async (host) => {
      let ids: string[];
      try {
        ids = await answer(host.driver.listInstances());
      } catch {
        return this.where.on(host.name);
      }
      for (const id of ids) this.where.set(id, host.name);
      // Gone from a host that answers: forgotten.
      for (const id of this.where.on(host.name)) if (!ids.includes(id)) this.where.delete(id);
      return ids;
    }));
    return lists.flat();
  }

  async getInfo(instanceId: string): Promise<InstanceInfo> {
    const host = await this.require(instanceId);
    try {
      // Bounded: a host that accepts the call and never answers is as unknown as one that refuses it.
      return { ...(await answer(host.driver.getInfo(instanceId))), availabilityZone: zoneOf(host), host: host.name };
    } catch (err) {
      if (err instanceof IntermodalError) throw err;
      // The host does not answer: the instance's state is unknown, not an API failure.
      return { instanceId, powerState: PowerState.NOSTATE, cpuTimeNs: 0, memoryBytes: 0, maxMemoryBytes: 0, addresses: {}, availabilityZone: zoneOf(host), host: host.name };
    }
  }

  async powerOn(instanceId: string): Promise<void> {
    await (await this.require(instanceId)).driver.powerOn(instanceId);
  }

  async powerOff(instanceId: string, timeoutSeconds?: number): Promise<void> {
    await (await this.require(instanceId)).driver.powerOff(instanceId, timeoutSeconds);
  }

  async reboot(instanceId: string, type: 'SOFT' | 'HARD'): Promise<void> {
    await (await this.require(instanceId)).driver.reboot(instanceId, type);
  }

  async pause(instanceId: string): Promise<void> {
    await (await this.require(instanceId)).driver.pause(instanceId);
  }

  async unpause(instanceId: string): Promise<void> {
    await (await this.require(instanceId)).driver.unpause(instanceId);
  }

  async snapshot(instanceId: string, options: { tag?: string; comment?: string }): Promise<SnapshotResult> {
    return (await this.require(instanceId)).driver.snapshot(instanceId, options);
  }

  async getConsoleOutput(instanceId: string, lines?: number): Promise<string> {
    return (await this.require(instanceId)).driver.getConsoleOutput(instanceId, lines);
  }

  async resize(instanceId: string, resources: InstanceResources): Promise<void> {
    const host = await this.require(instanceId);
    await host.driver.resize(instanceId, resources);
    this.sizes.delete(instanceId);
    this.room.forget(host.name);
  }

  /** A rebuild stays on the instance's host, as Nova's does without a new placement. */
  async rebuild(instanceId: string, request: SpawnRequest): Promise<InstanceInfo> {
    const host = await this.require(instanceId);
    return { ...(await host.driver.rebuild(instanceId, request)), availabilityZone: zoneOf(host), host: host.name };
  }

  /** The zones in the order their first host is configured, each with its hosts. */
  availabilityZones(): AvailabilityZone[] {
    const zones: AvailabilityZone[] = [];
    for (const host of this.hosts) {
      const zone = zones.find((z) => z.zone === zoneOf(host));
      if (zone) zone.hosts.push(host.name);
      else zones.push({ zone: zoneOf(host), hosts: [host.name] });
    }
    return zones;
  }

  /** The sum over the hosts that answer. */
  async getAvailableResource(): Promise<AvailableResource> {
    const all = await this.listHosts();
    const sum = (key: keyof AvailableResource): number => all.reduce((total, r) => total + (r[key] as number), 0);
    return {
      hypervisorHostname: all.map((r) => r.hypervisorHostname).join(','),
      hypervisorType: this.type,
      vcpus: sum('vcpus'), vcpusUsed: sum('vcpusUsed'), memoryMb: sum('memoryMb'), memoryMbUsed: sum('memoryMbUsed'),
      localGb: sum('localGb'), localGbUsed: sum('localGbUsed'), runningInstances: sum('runningInstances'),
    };
  }

  /** Every host that can run a pre-start hook runs this one at its instances' starts. */
  setPrestartHook(hook: PrestartHook | undefined): void {
    for (const host of this.hosts) host.driver.setPrestartHook?.(hook);
  }

  /** One entry per host that answers, named by its configured name. */
  async listHosts(): Promise<AvailableResource[]> {
    const results = await Promise.all(this.hosts.map(async (host) => {
      const r = await answer(host.driver.getAvailableResource()).catch(() => undefined);
      return r && { ...r, hypervisorHostname: host.name };
    }));
    return results.filter((r): r is AvailableResource => r !== undefined);
  }

  /**
   * The host for a new instance: among the hosts the request allows (its zone, its host),
   * room for its flavor, then the fewest instances, then configuration order.
   */
  private async place(resources: InstanceResources | undefined, placement: PlacementRequest | undefined): Promise<ComputeHost> {
    const wanted = { vcpus: resources?.vcpus ?? 0, memoryMb: resources?.memoryMb ?? 0 };
    const allowed = this.hosts.filter((h) => (placement?.zone === undefined || zoneOf(h) === placement.zone) && (placement?.host === undefined || h.name === placement.host));
    const where = [placement?.zone !== undefined && `availability zone '${placement.zone}'`, placement?.host !== undefined && `host '${placement.host}'`].filter(Boolean).join(', ');
    if (allowed.length === 0) throw new FailedPreconditionError(`No valid host was found. No compute host matches ${where}.`);
    const candidates: Array<{ host: ComputeHost; instances: number }> = [];
    const reasons: string[] = [];
    for (const host of allowed) {
      let r: AvailableResource;
      try {
        r = await this.room.current(host.name, () => answer(host.driver.getAvailableResource()));
      } catch (err) {
        reasons.push(`${host.name}: not answering (${(err as Error).message})`);
        continue;
      }
      const freeVcpus = r.vcpus * allocationRatios.vcpus - r.vcpusUsed;
      const freeMemory = r.memoryMb * allocationRatios.memory - r.memoryMbUsed;
      if (freeVcpus < wanted.vcpus || freeMemory < wanted.memoryMb) {
        reasons.push(`${host.name}: ${freeVcpus} vCPUs and ${Math.floor(freeMemory)} MiB free`);
        continue;
      }
      candidates.push({ host, instances: r.runningInstances });
    }
    if (candidates.length === 0) {
      throw new FailedPreconditionError(`No valid host was found. There are not enough hosts available${where ? ` in ${where}` : ''}: no compute host has room for ${wanted.vcpus} vCPUs and ${wanted.memoryMb} MiB: ${reasons.join('; ')}`);
    }
    // A stable sort keeps configuration order among equals.
    candidates.sort((a, b) => a.instances - b.instances);
    return candidates[0]!.host;
  }

  /** The host holding the instance; NotFoundError when none does. */
  /** On the instance's host, if its driver can attach volumes (a Docker host cannot). */
  async attachVolume(instanceId: string, volume: VolumeRef, mountPath: string): Promise<void> {
    const host = await this.require(instanceId);
    if (!host.driver.attachVolume) throw new NotImplementedError(`the compute host of server ${instanceId} (${host.name}) cannot attach volumes`);
    await host.driver.attachVolume(instanceId, volume, mountPath);
  }

  async detachVolume(instanceId: string, volume: VolumeRef): Promise<void> {
    const host = await this.locate(instanceId);
    await host?.driver.detachVolume?.(instanceId, volume);
  }

  private async require(instanceId: string): Promise<ComputeHost> {
    const host = await this.locate(instanceId);
    if (!host) throw new NotFoundError(`instance '${instanceId}' not found`);
    return host;
  }

  /** The host holding the instance, remembered or asked of every host; undefined when none has it. */
  private async locate(instanceId: string): Promise<ComputeHost | undefined> {
    const byName = (name: string | undefined): ComputeHost | undefined => this.hosts.find((h) => h.name === name);
    const known = byName(this.where.get(instanceId));
    if (known) return known;
    await this.listInstances();
    return byName(this.where.get(instanceId));
  }
}

/** `promise`, or a rejection when the host takes longer than it should to answer. */
function answer<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${hostAnswerMs} ms`)), hostAnswerMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
