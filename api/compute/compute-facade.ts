/**
 * Nova as other services use it in-process (Heat's OS::Nova::Server and OS::Nova::KeyPair):
 * the same validation, quotas and records as the HTTP API, so a stack's servers are
 * ordinary servers in `openstack server list`, and calls that wait for the end state.
 */
import { NotFoundError } from '../../engine/errors.js';
import type { RequestContext } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';
import { statusOf } from './compute-views.js';
import { createServers } from './server-requests.js';
import type { ServerRecord } from './server-store.js';

export class ComputeFacade {
  constructor(private readonly deps: ComputeDeps) {}

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

  /** Creates one server and resolves once it is ACTIVE; a server that ends in ERROR is deleted and its fault thrown. */
  async createServer(ctx: RequestContext, body: Record<string, unknown>): Promise<ServerRecord> {
    const { records } = createServers(this.deps, ctx, { ...body, min_count: 1, max_count: 1 });
    const id = records[0]!.id;
    await this.deps.manager.settled(id);
    const server = this.deps.servers.get(id);
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
