/**
 * What Nova asks of the network service (api/network implements it): ports for a new
 * server, the interfaces its instance must get, the addresses it got, and freeing its
 * ports when it is deleted. Without a network service servers boot with loopback only.
 */
import type { InstanceInfo, SpawnNetwork } from '../../drivers/compute-driver.js';
import type { RequestContext } from '../http/request-context.js';
import type { ServerRecord } from './server-store.js';

export interface ServerNetworking {
  /** Refuses (ApiError 400/404/409) a create body's `networks`/`security_groups` before anything is recorded. */
  check(ctx: RequestContext, body: Record<string, any>): void;
  /** Creates or binds the server's ports; called in the create transaction, after `check`. */
  plan(ctx: RequestContext, serverId: string, body: Record<string, any>): void;
  /** The interfaces the driver gives the instance (the project's default network is made here on first use). */
  interfaces(server: ServerRecord, hostname: string): Promise<SpawnNetwork[]>;
  /** Records the fixed IPs the instance got, applies its security groups and floating IPs; returns Nova's `addresses`. */
  bound(serverId: string, info: InstanceInfo): Promise<ServerRecord['addresses']>;
  /**
   * Called by the driver at each start of the server's instance, once its interfaces exist
   * and before its first process runs: records the fixed IPs it got and applies its security
   * groups, so the server is never reachable (nor reaching out) beyond its rules. A throw fails the start.
   */
  prestart?(serverId: string, addresses: InstanceInfo['addresses']): Promise<void>;
  /** Frees the server's ports: the ones Nova made are deleted, given ones unbound. */
  release(serverId: string): Promise<void>;
}
