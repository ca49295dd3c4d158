/**
 * Neutron as other services use it in-process (Heat's OS::Neutron::* types): the very
 * collections the HTTP routes serve (neutron-resources.ts), so an object made here is an
 * ordinary row of the caller's project, shows in `openstack network list` and the like, is
 * checked by the same code (bad input fails with the API's message) and is applied to the
 * kernel the same way (bridges, firewalls, floating IP table).
 */
import { ApiError } from '../http/api-error.js';
import type { RequestContext } from '../http/request-context.js';
import type { CloudContext } from '../cloud-server.js';
import type { NeutronCore } from './neutron-core.js';
import type { NetworkRow, RuleRow } from './neutron-store.js';
import { checkRule, resources, type Resource } from './neutron-resources.js';

/** The collections, by their URL path. */
export type NeutronCollection = 'networks' | 'subnets' | 'ports' | 'security-groups' | 'security-group-rules' | 'floatingips';

type Json = Record<string, any>;

export class NetworkFacade {
  private readonly collections: Map<string, Resource>;

  constructor(private readonly core: NeutronCore) {
    this.collections = new Map(resources(core).map((r) => [r.path, r]));
  }

  private collection(kind: NeutronCollection): Resource {
    return this.collections.get(kind)!;
  }

  /** Creates an object as POST does; returns its view (as GET shows it). */
  async create(ctx: RequestContext, kind: NeutronCollection, body: Json): Promise<Json> {
    const r = this.collection(kind);
    return r.view(await r.create(ctx, body));
  }

  /** Changes an object as PUT does; returns its view. */
  async update(ctx: RequestContext, kind: NeutronCollection, id: string, body: Json): Promise<Json> {
    const r = this.collection(kind);
    if (!r.update) throw new ApiError(400, `${kind} cannot be updated`);
    return r.view(await r.update(ctx, r.get(ctx, id), body));
  }

  /** The view of an object the caller can see, or undefined when there is none. */
  show(ctx: RequestContext, kind: NeutronCollection, id: string): Json | undefined {
    const r = this.collection(kind);
    try {
      return r.view(r.get(ctx, id));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Deletes an object as DELETE does; resolves when it is already gone. */
  async delete(ctx: RequestContext, kind: NeutronCollection, id: string): Promise<void> {
    try {
      await this.collection(kind).remove(ctx, id);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }

  /**
   * The id of a network the caller may use, given its id or name (as the clients resolve
   * `--network NAME`): ids first, then names among the caller's, shared and external
   * networks. 404 with Neutron's message when there is none; 409 when a name is ambiguous.
   */
  networkId(ctx: RequestContext, ref: string): string {
    try {
      return this.core.network(ctx, ref).id;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    const named = this.core.store.all<NetworkRow>('neutron_networks').filter((n) => n.name === ref && this.core.listable(ctx, n, {}));
    if (named.length > 1) throw new ApiError(409, `Multiple networks are named ${ref}: use its id.`);
    if (named.length === 0) throw new ApiError(404, `Network ${ref} could not be found.`);
    return named[0]!.id;
  }

  /** The id of one of the project's security groups, given its id or name. */
  securityGroupId(ctx: RequestContext, ref: string): string {
    return this.core.groupIds(ctx.projectId!, [ref])[0]!;
  }

  /** The ports bound to server `serverId`: ids, networks and MACs (Heat's server `addresses` name them). */
  serverPorts(serverId: string): Array<{ id: string; networkId: string; mac: string }> {
    return this.core.store.portsOf({ deviceId: serverId }).map((p) => ({ id: p.id, networkId: p.network_id, mac: p.mac }));
  }

  /** A security group's rules as stored. */
  rulesOf(groupId: string): RuleRow[] {
    return this.core.store.rulesOf(groupId);
  }

  /** A rule body checked and normalised as POST /security-group-rules stores it (throws its 400). */
  normaliseRule(body: Json): Json {
    return checkRule(body);
  }
}

const registry = new WeakMap<CloudContext, NetworkFacade>();

/** Called by the network service when it is mounted, so Heat finds Neutron without a build order. */
export function registerNetworkFacade(cloud: CloudContext, facade: NetworkFacade): void {
  registry.set(cloud, facade);
}

/** The cloud's Neutron, or undefined on a cloud without the network service. */
export function networkFacadeOf(cloud: CloudContext): NetworkFacade | undefined {
  return registry.get(cloud);
}
