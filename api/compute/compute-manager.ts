/**
 * Drives servers through their states with the compute driver: each operation is claimed
 * (task_state), answered at once (202), carried out in the background, and ends in a new
 * vm_state or a fault. A power-state sync notices instances that stopped on their own.
 */
import type winston from 'winston';
import { type ComputeDriver, type InstanceInfo, type PlacementRequest, PowerState, type SpawnRequest } from '../../drivers/compute-driver.js';
import type { ComputeImages } from './compute-images.js';
import type { Flavor } from './flavor-store.js';
import { instanceFiles, instanceHostname } from './instance-files.js';
import type { ServerNetworking } from './server-networking.js';
import type { ServerFault, ServerRecord, ServerStore, ServerUpdate, VmState } from './server-store.js';

const faultOf = (code: number, message: string, details?: string): ServerFault => ({
  code, message: message.slice(0, 255), ...(details !== undefined && { details }), created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

/** An instance that fails this soon after it was reported ACTIVE is marked ERROR, not SHUTOFF. */
const earlyFailureMs = 10_000;

/** How long after start a server is watched closely for a command that dies at once. */
export const bootWindowMs = 250;

/** The hostname Nova gives a server of that display name. */
export const hostnameOf = (name: string): string => name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'server';

export class ComputeManager {
  private readonly inflight = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  private syncTimer?: NodeJS.Timeout;
  private readonly bootWatches = new Set<NodeJS.Timeout>();

  constructor(
    private readonly servers: ServerStore,
    readonly driver: ComputeDriver,
    private readonly images: Pick<ComputeImages, 'completeSnapshot' | 'failSnapshot'>,
    private readonly log: winston.Logger,
    /** The network service, when there is one (looked up late: it is mounted after Nova). */
    private readonly networking: () => ServerNetworking | undefined = () => undefined,
  ) {}

  /**
   * Runs `work` in the background after whatever is still running for the same server (a
   * delete during a build must wait for the build, or it would destroy nothing and leak the
   * instance), tracked so shutdown can wait for it.
   */
  private background(what: string, serverId: string, work: () => Promise<void>): void {
    const previous = this.chains.get(serverId) ?? Promise.resolve();
    const done: Promise<void> = previous.then(work).catch((err: unknown) => {
      this.log.error('compute operation failed', { operation: what, server_id: serverId, error: String((err as Error)?.stack ?? err) });
    }).finally(() => {
      this.inflight.delete(done);
      if (this.chains.get(serverId) === done) this.chains.delete(serverId);
    });
    this.chains.set(serverId, done);
    this.inflight.add(done);
  }

  /** Resolves when every operation queued so far for the server has finished. */
  async settled(serverId: string): Promise<void> {
    await this.chains.get(serverId);
  }

  /**
   * The state and addresses to record after the instance changed. With a network service the
   * addresses are its ports' (recorded there, with the firewall applied); a stopped instance
   * has no interfaces, and keeps showing the addresses it had, as a stopped VM does.
   */
  private async afterInfo(serverId: string, info: InstanceInfo): Promise<ServerUpdate> {
    if (info.powerState !== PowerState.RUNNING) return { powerState: info.powerState };
    const networking = this.networking();
    const addresses = networking ? await networking.bound(serverId, info) : Object.fromEntries(Object.entries(info.addresses));
    return { powerState: info.powerState, addresses };
  }

  /** The interfaces the instance gets from the network service (none without one). */
  private async interfaces(server: ServerRecord, hostname: string): Promise<Pick<SpawnRequest, 'networks'>> {
    const networking = this.networking();
    return networking ? { networks: await networking.interfaces(server, hostname) } : {};
  }

  /** `placement`: the zone (and host) the request asked for; anywhere when absent. */
  spawn(server: ServerRecord, imageRef: string, placement?: PlacementRequest, init?: SpawnRequest['init']): void {
    this.background('spawn', server.id, async () => {
      const hostname = instanceHostname(server);
      try {
        // Inside the try: a cloud-config that cannot be turned into a boot script is a failed build.
        const { files, bootScript } = instanceFiles(server, hostname);
        const networks = await this.interfaces(server, hostname);
        const info = await this.driver.spawn({
          instanceId: server.id, name: server.name, image: imageRef, files, ...(bootScript && { bootScript }), hostname, ...(init && { init }),
          resources: { vcpus: server.vcpus, memoryMb: server.ram, diskGb: server.disk },
          labels: { 'org.openstack.project-id': server.projectId, 'org.openstack.user-id': server.userId }, ...networks, ...(placement && { placement }),
        });
        if (this.isGone(server.id)) return;
        // The host it landed on and its zone (Nova's OS-EXT-SRV-ATTR:host and OS-EXT-AZ:availability_zone once scheduled).
        if (info.availabilityZone !== undefined || info.host !== undefined) {
          this.servers.update(server.id, { ...(info.availabilityZone !== undefined && { availabilityZone: info.availabilityZone }), ...(info.host !== undefined && { host: info.host }) });
        }
        if (info.powerState !== PowerState.RUNNING) {
          this.servers.update(server.id, { vmState: 'error', taskState: null, ...(await this.afterInfo(server.id, info)), fault: faultOf(500, `Instance failed to start: ${info.failure ?? 'it stopped at once'}`, info.failure) });
          return;
        }
        this.servers.update(server.id, { vmState: 'active', taskState: null, launchedAt: new Date(), ...(await this.afterInfo(server.id, info)) });
        this.watchBoot(server.id);
      } catch (err) {
        if (this.isGone(server.id)) return;
        this.servers.update(server.id, { vmState: 'error', taskState: null, powerState: PowerState.NOSTATE, fault: faultOf(500, `Build of instance ${server.id} aborted: ${(err as Error).message}`) });
      }
    });
  }

  private isGone(id: string): boolean {
    try {
      return this.servers.get(id).taskState === 'deleting';
    } catch {
      return true;
    }
  }

  delete(server: ServerRecord): void {
    this.background('delete', server.id, async () => {
      await this.driver.destroy(server.id);
      await this.networking()?.release(server.id);
      this.servers.markDeleted(server.id);
    });
  }

  /** A simple state change: run the driver call, then set the final state (or restore and record a fault). */
  act(server: ServerRecord, what: string, call: () => Promise<void>, onSuccess: { vmState: VmState; powerState?: number }, onFailure: VmState = server.vmState): void {
    this.background(what, server.id, async () => {
      try {
        await call();
        if (this.isGone(server.id)) return;
        const info = await this.driver.getInfo(server.id).catch(() => undefined);
        this.servers.update(server.id, { vmState: onSuccess.vmState, taskState: null, fault: null, ...(info ? await this.afterInfo(server.id, info) : { powerState: onSuccess.powerState ?? PowerState.NOSTATE }) });
      } catch (err) {
        if (this.isGone(server.id)) return;
        this.servers.update(server.id, { vmState: onFailure, taskState: null, fault: faultOf(500, `${what} failed: ${(err as Error).message}`) });
      }
    });
  }

  snapshot(server: ServerRecord, imageId: string, name: string, tag?: string): void {
    this.background('snapshot', server.id, async () => {
      try {
        const result = await this.driver.snapshot(server.id, { comment: `snapshot ${name} of server ${server.id}`, ...(tag !== undefined && { tag }) });
        this.images.completeSnapshot(imageId, result.imageId);
      } catch (err) {
        this.images.failSnapshot(imageId, (err as Error).message);
      } finally {
        if (!this.isGone(server.id)) this.servers.update(server.id, { taskState: null });
      }
    });
  }

  resize(server: ServerRecord, flavor: Flavor): void {
    this.act(server, 'resize', () => this.driver.resize(server.id, { vcpus: flavor.vcpus, memoryMb: flavor.ram, diskGb: flavor.disk }), { vmState: 'resized' });
  }

  rebuild(server: ServerRecord, imageRef: string, init?: SpawnRequest['init']): void {
    this.background('rebuild', server.id, async () => {
      try {
        const hostname = instanceHostname(server);
        const { files, bootScript } = instanceFiles(server, hostname);
        const networks = await this.interfaces(server, hostname);
        const info = await this.driver.rebuild(server.id, {
          instanceId: server.id, name: server.name, image: imageRef, files, ...(bootScript && { bootScript }), hostname, ...(init && { init }),
          resources: { vcpus: server.vcpus, memoryMb: server.ram, diskGb: server.disk }, labels: { 'org.openstack.project-id': server.projectId, 'org.openstack.user-id': server.userId }, ...networks,
        });
        const ok = info.powerState === PowerState.RUNNING;
        this.servers.update(server.id, { vmState: ok ? 'active' : 'error', taskState: null, ...(ok && { launchedAt: new Date() }), ...(await this.afterInfo(server.id, info)), fault: ok ? null : faultOf(500, `Rebuilt instance failed to start: ${info.failure ?? ''}`, info.failure) });
        if (ok) this.watchBoot(server.id);
      } catch (err) {
        this.servers.update(server.id, { vmState: 'error', taskState: null, fault: faultOf(500, `Rebuild failed: ${(err as Error).message}`) });
      }
    });
  }

  /** Marks servers whose instance stopped by itself SHUTOFF (Nova's _sync_power_states). */
  async syncPowerStates(): Promise<void> {
    for (const server of this.servers.list({ status: ['active', 'paused', 'resized'] })) await this.syncServer(server.id);
  }

  /** Brings one server's power state in line with its instance; a failure soon after boot is an ERROR. */
  async syncServer(serverId: string): Promise<void> {
    let info: InstanceInfo;
    try {
      const server = this.servers.get(serverId);
      if (server.taskState !== undefined || !['active', 'paused', 'resized'].includes(server.vmState)) return;
      info = await this.driver.getInfo(serverId);
    } catch {
      return;
    }
    let current: ServerRecord;
    try {
      current = this.servers.get(serverId);
    } catch {
      return;
    }
    if (current.taskState !== undefined) return;
    if (info.powerState === PowerState.SHUTDOWN || info.powerState === PowerState.CRASHED) {
      // A command that failed soon after boot is a failed boot, not a shutdown: say why.
      const justBooted = current.launchedAt !== undefined && Date.now() - current.launchedAt.getTime() < earlyFailureMs;
      if (justBooted && info.failure !== undefined && info.exitCode !== 0) {
        this.servers.update(serverId, { vmState: 'error', powerState: info.powerState, fault: faultOf(500, `Instance failed after boot: ${info.failure}`, info.failure) });
      } else {
        this.servers.update(serverId, { vmState: 'stopped', powerState: info.powerState });
      }
    } else if (info.powerState !== current.powerState) {
      this.servers.update(serverId, { powerState: info.powerState });
    }
  }

  /**
   * Resolves once a server that just became ACTIVE has stayed up for the boot window, with
   * its state then: callers that must not call a boot good too early (Heat) wait for this.
   */
  async confirmBoot(serverId: string): Promise<ServerRecord> {
    const launchedAt = this.servers.get(serverId).launchedAt?.getTime() ?? Date.now();
    const wait = launchedAt + bootWindowMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await this.syncServer(serverId);
    return this.servers.get(serverId);
  }

  /**
   * ACTIVE is reported as soon as the instance runs, as Nova does; a command that dies at
   * once is caught by these early looks (and later by the periodic sync), so the server
   * turns ERROR with its reason well before a polling client's next look.
   */
  private watchBoot(serverId: string): void {
    for (const delay of [bootWindowMs, 4 * bootWindowMs]) {
      const timer = setTimeout(() => {
        this.bootWatches.delete(timer);
        this.syncServer(serverId).catch(() => undefined);
      }, delay).unref();
      this.bootWatches.add(timer);
    }
  }

  startPowerSync(intervalMs: number): void {
    const tick = () => {
      this.syncPowerStates().catch((err: unknown) => this.log.error('power sync failed', { error: String(err) })).finally(() => {
        if (this.syncTimer) this.syncTimer = setTimeout(tick, intervalMs).unref();
      });
    };
    this.syncTimer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops the sync and waits for operations under way. */
  async close(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    for (const timer of this.bootWatches) clearTimeout(timer);
    this.bootWatches.clear();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}
