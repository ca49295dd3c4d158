/**
 * Neutron's resources as REST collections: list (filtered by query fields), show, create
 * (201), update (the fields `openstack ... set` sends), delete (204). What each does beyond
 * its row is in neutron-core.ts; changes that alter servers' firewalls or floating IPs
 * apply them before answering, so a client that sees 2xx sees the rule in force.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict } from '../http/api-error.js';
import { contextOf, isAdmin, type RequestContext } from '../http/request-context.js';
import type { NeutronCore } from './neutron-core.js';
import type { FloatingIpRow, GroupRow, NetworkRow, PortRow, RuleRow, SubnetRow } from './neutron-store.js';
import { floatingIpView, groupView, matchesQuery, networkView, portView, ruleView, subnetView } from './neutron-views.js';
import { remoteServersOf } from './remote-servers.js';

type Json = Record<string, any>;
type Row = { id: string; project_id: string };

/** One Neutron collection: what its HTTP routes (and the in-process facade) do. */
export interface Resource {
  path: string;
  singular: string;
  list(ctx: RequestContext, query: Json): Row[];
  get(ctx: RequestContext, id: string): Row;
  view(row: Row): Json;
  create(ctx: RequestContext, body: Json): Promise<Row>;
  update?(ctx: RequestContext, row: Row, body: Json): Promise<Row>;
  remove(ctx: RequestContext, id: string): Promise<void>;
}

const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : String(v));
const projectFor = (ctx: RequestContext, body: Json): string => (isAdmin(ctx) && typeof (body.project_id ?? body.tenant_id) === 'string' ? (body.project_id ?? body.tenant_id) : ctx.projectId!);

/** Neutron's collections over `core`; the HTTP routes and network-facade.ts share them, so both check input alike. */
export function resources(core: NeutronCore): Resource[] {
  const { store } = core;
  const listOf = <T extends Row>(table: Parameters<typeof store.all>[0]) => (ctx: RequestContext, query: Json) => store.all<T>(table).filter((r) => core.listable(ctx, r as never, query));
  const network: Resource = {
    path: 'networks', singular: 'network',
    list: listOf<NetworkRow>('neutron_networks'),
    get: (ctx, id) => core.network(ctx, id),
    view: (r) => networkView(store, r as NetworkRow),
    async create(ctx, b) {
      const external = b['router:external'] === true;
      if ((external || b.shared === true) && !isAdmin(ctx)) throw badRequest('Only admins may create shared or external networks.');
      const mtu = b.mtu === undefined ? 1500 : Number(b.mtu);
      if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw badRequest(`Invalid input for mtu: ${b.mtu}`);
      return store.insert<NetworkRow>('neutron_networks', {
        project_id: projectFor(ctx, b), name: str(b.name), description: str(b.description), shared: b.shared === true ? 1 : 0, external: external ? 1 : 0,
        admin_state_up: b.admin_state_up === false ? 0 : 1, mtu,
      });
    },
    async update(_ctx, row, b) {
      return store.update('neutron_networks', row.id, { ...(b.name !== undefined && { name: str(b.name) }), ...(b.description !== undefined && { description: str(b.description) }) });
    },
    remove: (ctx, id) => core.deleteNetwork(ctx, id),
  };
  const subnet: Resource = {
    path: 'subnets', singular: 'subnet',
    list: (ctx, q) => store.all<SubnetRow>('neutron_subnets').filter((s) => {
      const n = store.find<NetworkRow>('neutron_networks', s.network_id);
      return core.listable(ctx, { project_id: s.project_id, shared: n?.shared ?? 0, external: n?.external ?? 0 }, q);
    }),
    get(ctx, id) {
      const s = store.find<SubnetRow>('neutron_subnets', id);
      if (s) core.network(ctx, s.network_id);
      return s ?? core.owned(ctx, 'neutron_subnets', id, 'Subnet');
    },
    view: (r) => subnetView(r as SubnetRow),
    create: (ctx, b) => core.createSubnet(ctx, b),
    async update(_ctx, row, b) {
      return store.update('neutron_subnets', row.id, { ...(b.name !== undefined && { name: str(b.name) }), ...(b.description !== undefined && { description: str(b.description) }) });
    },
    remove: (ctx, id) => core.deleteSubnet(ctx, id),
  };
  const port: Resource = {
    path: 'ports', singular: 'port',
    list: listOf<PortRow>('neutron_ports'),
    get: (ctx, id) => core.owned(ctx, 'neutron_ports', id, 'Port'),
    view: (r) => portView(store, r as PortRow),
    create: async (ctx, b) => core.createPort(ctx, b, { projectId: projectFor(ctx, b) }),
    async update(_ctx, row, b) {
      const changes: Json = { ...(b.name !== undefined && { name: str(b.name) }), ...(b.description !== undefined && { description: str(b.description) }) };
      if (b.security_groups !== undefined) changes.security_groups = JSON.stringify(core.groupIds(row.project_id, b.security_groups));
      if (changes.security_groups !== undefined && changes.security_groups !== (row as PortRow).security_groups) remoteServersOf(store.db).refuse(row as PortRow, 'Security groups');
      if (b.port_security_enabled !== undefined) changes.port_security = b.port_security_enabled === false ? 0 : 1;
      if (b.fixed_ips !== undefined || b.mac_address !== undefined) throw badRequest('fixed_ips and mac_address cannot be changed on this cloud.');
      const updated = store.update<PortRow>('neutron_ports', row.id, changes);
      await core.sync.all();
      return updated;
    },
    remove: (ctx, id) => core.deletePort(ctx, id),
  };
  const group: Resource = {
    path: 'security-groups', singular: 'security_group',
    list(ctx, q) {
      store.defaultGroup(ctx.projectId!);
      return listOf<GroupRow>('neutron_security_groups')(ctx, q);
    },
    get: (ctx, id) => core.owned(ctx, 'neutron_security_groups', id, 'Security group'),
    view: (r) => groupView(store, r as GroupRow),
    async create(ctx, b) {
      const projectId = projectFor(ctx, b);
      if (str(b.name) === 'default') throw conflict('Default security group already exists.');
      return store.db.transaction(() => {
        const g = store.insert<GroupRow>('neutron_security_groups', { project_id: projectId, name: str(b.name), description: str(b.description) });
        store.addDefaultRules(g, false);
        return g;
      }).immediate();
    },
    async update(_ctx, row, b) {
      return store.update('neutron_security_groups', row.id, { ...(b.name !== undefined && { name: str(b.name) }), ...(b.description !== undefined && { description: str(b.description) }) });
    },
    async remove(ctx, id) { core.deleteGroup(ctx, id); },
  };
  const rule: Resource = {
    path: 'security-group-rules', singular: 'security_group_rule',
    list: listOf<RuleRow>('neutron_security_group_rules'),
    get: (ctx, id) => core.owned(ctx, 'neutron_security_group_rules', id, 'Security group rule'),
    view: (r) => ruleView(r as RuleRow),
    async create(ctx, b) {
      const g = core.owned<GroupRow>(ctx, 'neutron_security_groups', str(b.security_group_id), 'Security group');
      const values = checkRule(b);
      if (values.remote_group_id) core.owned(ctx, 'neutron_security_groups', values.remote_group_id as string, 'Security group');
      const same = store.rulesOf(g.id).find((r) => (['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'] as const)
        .every((k) => (r[k] ?? null) === (values[k] ?? null)));
      if (same) throw conflict(`Security group rule already exists. Rule id is ${same.id}.`);
      const row = store.insert<RuleRow>('neutron_security_group_rules', { security_group_id: g.id, project_id: g.project_id, description: str(b.description), ...values });
      await core.sync.all();
      return row;
    },
    async remove(ctx, id) {
      core.owned(ctx, 'neutron_security_group_rules', id, 'Security group rule');
      store.delete('neutron_security_group_rules', id);
      await core.sync.all();
    },
  };
  const floating: Resource = {
    path: 'floatingips', singular: 'floatingip',
    list: listOf<FloatingIpRow>('neutron_floating_ips'),
    get: (ctx, id) => core.owned(ctx, 'neutron_floating_ips', id, 'Floating IP'),
    view: (r) => floatingIpView(store, r as FloatingIpRow),
    async create(ctx, b) {
      const network = core.network(ctx, str(b.floating_network_id));
      if (network.external !== 1) throw badRequest(`Network ${network.id} is not a valid external network.`);
      const port = b.port_id === undefined || b.port_id === null ? undefined : core.owned<PortRow>(ctx, 'neutron_ports', str(b.port_id), 'Port');
      if (port) remoteServersOf(store.db).refuse(port, 'A floating IP');
      const portId = port?.id ?? null;
      const row = store.db.transaction(() => store.insert<FloatingIpRow>('neutron_floating_ips', {
        project_id: projectFor(ctx, b), floating_network_id: network.id, address: core.allocateFloating(network, b.floating_ip_address), port_id: portId, description: str(b.description),
      })).immediate();
      await core.sync.all();
      return row;
    },
    async update(ctx, row, b) {
      const changes: Json = { ...(b.description !== undefined && { description: str(b.description) }) };
      if (b.port_id !== undefined && b.port_id !== null) remoteServersOf(store.db).refuse(core.owned<PortRow>(ctx, 'neutron_ports', str(b.port_id), 'Port'), 'A floating IP');
      if (b.port_id !== undefined) changes.port_id = b.port_id === null ? null : core.owned<PortRow>(ctx, 'neutron_ports', str(b.port_id), 'Port').id;
      const updated = store.update<FloatingIpRow>('neutron_floating_ips', row.id, changes);
      await core.sync.all();
      return updated;
    },
    async remove(ctx, id) {
      core.owned(ctx, 'neutron_floating_ips', id, 'Floating IP');
      store.delete('neutron_floating_ips', id);
      await core.sync.all();
    },
  };
  return [network, subnet, port, group, rule, floating];
}

/** The stored fields of a rule body, checked as Neutron does. */
export function checkRule(b: Json): Json {
  const direction = str(b.direction, 'ingress');
  if (direction !== 'ingress' && direction !== 'egress') throw badRequest(`Invalid input for direction: ${direction}`);
  const ethertype = str(b.ethertype, 'IPv4');
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw badRequest(`Invalid input for ethertype: ${ethertype}`);
  const protocol = b.protocol === undefined || b.protocol === null || b.protocol === 'any' ? null : str(b.protocol).toLowerCase();
  const known = ['tcp', 'udp', 'icmp', 'icmpv6', 'ipv6-icmp', 'sctp', 'ah', 'esp', 'gre'];
  if (protocol !== null && !known.includes(protocol) && !/^\d{1,3}$/.test(protocol)) throw badRequest(`Security group rule protocol ${protocol} not supported.`);
  const min = b.port_range_min === undefined || b.port_range_min === null ? null : Number(b.port_range_min);
  const max = b.port_range_max === undefined || b.port_range_max === null ? min : Number(b.port_range_max);
  const ported = protocol === 'tcp' || protocol === 'udp' || protocol === 'sctp' || protocol === '6' || protocol === '17';
  if (min !== null && ported && (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max! > 65535 || min > max!)) {
    throw badRequest(`Invalid port range ${b.port_range_min}:${b.port_range_max}: ports are 1-65535 with min <= max.`);
  }
  if (min !== null && protocol === null) throw badRequest('Must also specify protocol if port range is given.');
  const prefix = b.remote_ip_prefix === undefined || b.remote_ip_prefix === null ? null : str(b.remote_ip_prefix);
  if (prefix !== null && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(prefix)) throw badRequest(`Invalid input for remote_ip_prefix: ${prefix}`);
  const group = b.remote_group_id === undefined || b.remote_group_id === null ? null : str(b.remote_group_id);
  if (prefix !== null && group !== null) throw badRequest('Only remote_ip_prefix or remote_group_id may be provided.');
  return { direction, ethertype, protocol, port_range_min: ported ? min : null, port_range_max: ported ? max : null, remote_ip_prefix: prefix, remote_group_id: group };
}

export function registerNeutronResources(app: FastifyInstance, core: NeutronCore): void {
  for (const r of resources(core)) {
    const collection = `${r.singular}s`;
    const bodyOf = (request: FastifyRequest): Json => {
      const body = (request.body as Json | undefined)?.[r.singular];
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Resource body required: {"${r.singular}": {...}}`);
      return body as Json;
    };
    app.get(`/${r.path}`, async (request) => {
      const query = request.query as Json;
      return { [collection]: r.list(contextOf(request), query).map((row) => r.view(row)).filter((v) => matchesQuery(v, query)) };
    });
    app.get(`/${r.path}/:id`, async (request) => ({ [r.singular]: r.view(r.get(contextOf(request), (request.params as { id: string }).id)) }));
    app.post(`/${r.path}`, async (request, reply) => {
      const row = await r.create(contextOf(request), bodyOf(request));
      return reply.code(201).send({ [r.singular]: r.view(row) });
    });
    if (r.update) {
      const update = r.update;
      app.put(`/${r.path}/:id`, async (request) => {
        const ctx = contextOf(request);
        const row = r.get(ctx, (request.params as { id: string }).id);
        return { [r.singular]: r.view(await update(ctx, row, bodyOf(request))) };
      });
    }
    app.delete(`/${r.path}/:id`, async (request, reply) => {
      await r.remove(contextOf(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    });
  }
}
