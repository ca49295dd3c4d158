/**
 * Nova as other services use it in-process (Heat's OS::Nova::Server and OS::Nova::KeyPair):
 * the same validation, quotas and records as the HTTP API, so a stack's servers are
 * ordinary servers in `openstack server list`, and calls that wait for the end state.
 */
import { ForbiddenError, NotFoundError } from '../../engine/errors.js';
import { canWrite, isAdmin, projectOf, type RequestContext } from '../http/request-context.js';
import { randomUUID } from 'node:crypto';
import { PowerState, type InstanceInfo, type ProcessOverrides } from '../../drivers/compute-driver.js';
import type { ComputeDeps } from './compute-deps.js';
import { bootWindowMs } from './compute-manager.js';
import { statusOf } from './compute-views.js';
import { createServers } from './server-requests.js';
import type { ServerRecord } from './server-store.js';
import { NotImplementedError } from '../../engine/errors.js';
import type { CinderVolumes } from '../../translators/volume/cinder-volumes.js';
import { attachServerVolume, detachServerVolume } from './volume-attachments.js';

export class ComputeFacade {
  /** `volumes`: Cinder's volumes, for attaching them to servers (absent: no block storage). */
  constructor(private readonly deps: ComputeDeps, readonly volumes?: CinderVolumes) {}

  /** The image id for a name or id the caller can see (Heat templates use names). */
  imageId(ctx: RequestContext, nameOrId: string): string {
    const images = this.deps.images.list(ctx);
    const found = images.find((i) => i.id === nameOrId) ?? images.find((i) => i.name === nameOrId);
    if (!found) throw new NotFoundError(`Image ${nameOrId} could not be found.`);
    return found.id;
  }

  flavorId(nameOrId: string): string {
    const flavors = this.deps.flavors.list();
    const found = flavors.find((f) => f.id === nameOrId) ?? flavors.find((f) => f.name === nameOrId);
    if (!found) throw new NotFoundError(`Flavor ${nameOrId} could not be found.`);
    return found.id;
  }

  /** Creates one server and resolves once it is ACTIVE and stayed up through the boot window; a server that ends in ERROR is deleted and its fault thrown. */
  async createServer(ctx: RequestContext, body: Record<string, unknown>): Promise<ServerRecord> {
    const { records } = createServers(this.deps, ctx, { ...body, min_count: 1, max_count: 1 });
    const id = records[0]!.id;
    await this.deps.manager.settled(id);
    let server = this.deps.servers.get(id);
    // A resource is complete only when its server really runs: one whose command dies at
    // once fails the resource with its last output instead.
    if (statusOf(server) === 'ACTIVE') server = await this.deps.manager.confirmBoot(id);
    if (statusOf(server) !== 'ACTIVE') {
      const reason = server.fault?.message ?? `server ended in ${statusOf(server)}`;
      await this.deleteServer(id);
      throw new Error(reason);
    }
    return server;
  }

  server(id: string): ServerRecord | undefined {
    try {
      return this.deps.servers.get(id);
    } catch {
      return undefined;
    }
  }

  updateServer(id: string, changes: { name?: string; metadata?: Record<string, string> }): ServerRecord {
    return this.deps.servers.update(id, changes);
  }

  /** Deletes a server and resolves once its instance is gone; an unknown id is already gone. */
  async deleteServer(id: string): Promise<void> {
    const server = this.server(id);
    if (!server) return;
    if (server.taskState !== 'deleting') {
      this.deps.servers.update(id, { taskState: 'deleting' });
      this.deps.manager.delete(server);
    }
    await this.deps.manager.settled(id);
  }

  consoleOutput(id: string, lines?: number): Promise<string> {
    return this.deps.manager.driver.getConsoleOutput(id, lines);
  }

  /** Creates a flavor (admins only, as POST /flavors); Heat's OS::Nova::Flavor. */
  createFlavor(ctx: RequestContext, input: { id?: string; name: string; vcpus: number; ram: number; disk: number; ephemeral?: number; swap?: number; rxtxFactor?: number; isPublic?: boolean; extraSpecs?: Record<string, string> }) {
    if (!isAdmin(ctx)) throw new ForbiddenError('Policy does not allow os_compute_api:os-flavor-manage:create to be performed.');
    const flavor = this.deps.flavors.create(input);
    if (input.extraSpecs && Object.keys(input.extraSpecs).length > 0) this.deps.flavors.setExtraSpecs(flavor.id, input.extraSpecs);
    return this.deps.flavors.get(flavor.id);
  }

  /** Replaces a flavor's extra specs (admins only). */
  setFlavorExtraSpecs(ctx: RequestContext, id: string, specs: Record<string, string>): void {
    if (!isAdmin(ctx)) throw new ForbiddenError('Policy does not allow os_compute_api:os-flavor-extra-specs:create to be performed.');
    for (const key of Object.keys(this.deps.flavors.get(id).extraSpecs)) if (!(key in specs)) this.deps.flavors.deleteExtraSpec(id, key);
    this.deps.flavors.setExtraSpecs(id, specs);
  }

  flavorExtraSpecs(id: string): Record<string, string> {
    return this.deps.flavors.get(id).extraSpecs;
  }

  /** Deletes a flavor (admins only); an unknown id is already gone. */
  deleteFlavor(ctx: RequestContext, id: string): void {
    if (!isAdmin(ctx)) throw new ForbiddenError('Policy does not allow os_compute_api:os-flavor-manage:delete to be performed.');
    try {
      this.deps.flavors.delete(id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  /**
   * Runs a container resource (Heat's DockerInc::Docker::Container, OS::Zun::Container)
   * straight on the compute driver: not a Nova server, so not in `server list` and outside
   * Nova's quotas, labelled with the caller's project. Resolves once it runs; one whose
   * process ends at once is removed and fails with its last output lines.
   */
  async createContainer(ctx: RequestContext, input: { name: string; image: string; process: ProcessOverrides; vcpus: number; memoryMb: number }): Promise<{ id: string; info: InstanceInfo }> {
    if (!canWrite(ctx)) throw new ForbiddenError('You are not authorized to create containers.');
    const imageRef = this.deps.images.bootReference(ctx, this.imageId(ctx, input.image));
    const id = randomUUID();
    const driver = this.deps.manager.driver;
    let info = await driver.spawn({
      instanceId: id, name: input.name, image: imageRef, files: [], process: input.process,
      resources: { vcpus: input.vcpus, memoryMb: input.memoryMb, diskGb: 0 },
      labels: { 'org.openstack.project-id': projectOf(ctx), 'org.openstack.user-id': ctx.userId, 'org.intermodal.kind': 'container' },
    });
    // Up only if it stays up through the boot window: a command that dies at once fails here.
    if (info.powerState === PowerState.RUNNING) {
      await new Promise((resolve) => setTimeout(resolve, bootWindowMs));
      info = await driver.getInfo(id);
    }
    if (info.powerState !== PowerState.RUNNING) {
      const output = await driver.getConsoleOutput(id, 10).catch(() => '');
      await driver.destroy(id);
      throw new Error(`container ${input.name} stopped at once (${info.failure ?? 'it exited'}); its last output:\n${output.trimEnd()}`);
    }
    return { id, info };
  }

  containerInfo(id: string): Promise<InstanceInfo> {
    return this.deps.manager.driver.getInfo(id);
  }

  /** New CPU and memory limits for a running container, without a restart. */
  resizeContainer(id: string, vcpus: number, memoryMb: number): Promise<void> {
    return this.deps.manager.driver.resize(id, { vcpus, memoryMb, diskGb: 0 });
  }

  /** Removes a container resource; an unknown id is already gone. */
  deleteContainer(id: string): Promise<void> {
    return this.deps.manager.driver.destroy(id);
  }

  /** Mounts a Cinder volume in a running server without restarting it (see volume-attachments.ts). */
  attachVolume(ctx: RequestContext, serverId: string, volumeId: string, device?: string) {
    if (!this.volumes) throw new NotImplementedError('this cloud has no block storage');
    return attachServerVolume(this.deps, this.volumes, ctx, serverId, volumeId, device);
  }

  /** Unmounts it; a volume not attached there is already detached. */
  async detachVolume(ctx: RequestContext, serverId: string, volumeId: string): Promise<void> {
    if (this.volumes) await detachServerVolume(this.deps, this.volumes, ctx, serverId, volumeId);
  }

  createKeypair(ctx: RequestContext, name: string, publicKey?: string) {
    return this.deps.keypairs.create(ctx.userId, name, publicKey);
  }

  deleteKeypair(ctx: RequestContext, name: string): void {
    try {
      this.deps.keypairs.delete(ctx.userId, name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
