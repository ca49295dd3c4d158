/** /servers: create, list, show, update, delete (Nova 2.1). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, isAdmin, projectOf, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import type { ComputeDeps } from './compute-deps.js';
import { novaTime, serverBasic, serverDetail, serverLinks, statusOf } from './compute-views.js';
import { serverCreateSchema } from './server-create-schema.js';
import { createServers } from './server-requests.js';
import { requireWriter, visibleServer } from './server-access.js';
import type { ServerRecord, VmState } from './server-store.js';

type Json = Record<string, any>;
type Query = Record<string, string | undefined>;

const statusFilter: Record<string, VmState[]> = {
  ACTIVE: ['active'], BUILD: ['building'], SHUTOFF: ['stopped'], PAUSED: ['paused'], ERROR: ['error'], VERIFY_RESIZE: ['resized'],
  REBOOT: ['active'], HARD_REBOOT: ['active'], RESIZE: ['active'], REBUILD: ['active'], DELETED: ['deleted'],
};

function listServers(deps: ComputeDeps, request: FastifyRequest, ctx: RequestContext) {
  const q = request.query as Query;
  const allTenants = q.all_tenants !== undefined && q.all_tenants !== '0' && q.all_tenants.toLowerCase() !== 'false';
  if (allTenants && !isAdmin(ctx)) throw forbidden('Policy does not allow os_compute_api:servers:index:get_all_tenants to be performed.');
  const limit = q.limit !== undefined ? Number(q.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`Invalid input for query parameters limit. Value: ${q.limit}.`);
  const changesSince = q['changes-since'] !== undefined ? new Date(q['changes-since']) : undefined;
  if (changesSince && Number.isNaN(changesSince.getTime())) throw badRequest(`Invalid input for query parameters changes-since. Value: ${q['changes-since']}.`);
  const status = q.status !== undefined ? statusFilter[q.status.toUpperCase()] ?? [] : undefined;
  if (status !== undefined && status.length === 0) return { servers: [] as ServerRecord[], limit };
  const projectId = allTenants ? (q.project_id ?? q.tenant_id) : projectOf(ctx);
  const servers = deps.servers.list({
    ...(projectId !== undefined && { projectId }), ...(q.name !== undefined && { name: q.name }), ...(status !== undefined && { status }),
    ...(q.image !== undefined && { imageId: q.image.split('/').pop()! }), ...(q.flavor !== undefined && { flavorId: q.flavor.split('/').pop()! }),
    ...(changesSince && { changesSince }), ...(q.marker !== undefined && { marker: q.marker }), ...(limit !== undefined && { limit }),
    // An admin's filter at this microversion, as Nova's (others' is ignored).
    ...(q.availability_zone !== undefined && isAdmin(ctx) && { availabilityZone: q.availability_zone }),
  }).filter((s) => q.status === undefined || statusOf(s) === q.status!.toUpperCase());
  return { servers, limit };
}

function pageLinks(request: FastifyRequest, path: string, servers: ServerRecord[], limit: number | undefined) {
  if (limit === undefined || servers.length < limit || servers.length === 0) return {};
  const params = new URLSearchParams(request.query as Record<string, string>);
  params.set('marker', servers[servers.length - 1]!.id);
  return { servers_links: [{ rel: 'next', href: `${baseUrlOf(request)}/compute/v2.1/${path}?${params}` }] };
}

/** Server id → the ids of the Cinder volumes attached to it (none without Cinder). */
function attachedVolumes(deps: ComputeDeps): Map<string, string[]> {
  const byServer = new Map<string, string[]>();
  for (const volume of deps.volumes?.()?.list() ?? []) {
    for (const a of volume.attachments) byServer.set(a.serverId, [...(byServer.get(a.serverId) ?? []), volume.id]);
  }
  return byServer;
}

export function registerServerRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  app.get('/servers', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const { servers, limit } = listServers(deps, request, ctx);
    return { servers: servers.map((s) => serverBasic(baseUrlOf(request), s)), ...pageLinks(request, 'servers', servers, limit) };
  });
  app.get('/servers/detail', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const { servers, limit } = listServers(deps, request, ctx);
    const attached = attachedVolumes(deps);
    return { servers: servers.map((s) => serverDetail(baseUrlOf(request), s, deps.host, attached.get(s.id))), ...pageLinks(request, 'servers/detail', servers, limit) };
  });
  app.get('/servers/:id', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const server = visibleServer(deps, ctx, (request.params as Json).id);
    return { server: serverDetail(baseUrlOf(request), server, deps.host, attachedVolumes(deps).get(server.id)) };
  });

  app.post('/servers', { schema: { body: serverCreateSchema } }, async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    const body = (request.body as Json).server as Json;
    const { records, adminPass } = createServers(deps, ctx, body);
    const first = records[0]!;
    const base = baseUrlOf(request);
    reply.code(202).header('location', `${base}/compute/v2.1/servers/${first.id}`);
    if (body.return_reservation_id === true || body.return_reservation_id === 'true') return { reservation_id: `r-${first.id.slice(0, 8)}` };
    return { server: { id: first.id, links: serverLinks(base, first.id), 'OS-DCF:diskConfig': body['OS-DCF:diskConfig'] ?? 'MANUAL', security_groups: first.securityGroups.map((name) => ({ name })), adminPass } };
  });

  app.put('/servers/:id', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const server = visibleServer(deps, ctx, (request.params as Json).id);
    const body = (request.body as Json | undefined)?.server as Json | undefined;
    if (!body || typeof body !== 'object') throw badRequest("Invalid input for field/attribute server. Value: None. None is not of type 'object'");
    const allowed = ['name', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig'];
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw badRequest(`Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} were unexpected)`);
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 255 || body.name.trim() !== body.name)) throw badRequest('Invalid input for field/attribute name.');
    const updated = deps.servers.update(server.id, { ...(body.name !== undefined && { name: body.name }), ...(body.accessIPv4 !== undefined && { accessIPv4: body.accessIPv4 }), ...(body.accessIPv6 !== undefined && { accessIPv6: body.accessIPv6 }) });
    const d = serverDetail(baseUrlOf(request), updated, deps.host);
    return { server: { id: d.id, name: d.name, status: d.status, tenant_id: d.tenant_id, user_id: d.user_id, metadata: d.metadata, hostId: d.hostId, image: d.image, flavor: d.flavor, created: d.created, updated: novaTime(updated.updatedAt), addresses: d.addresses, accessIPv4: d.accessIPv4, accessIPv6: d.accessIPv6, links: d.links, 'OS-DCF:diskConfig': d['OS-DCF:diskConfig'], progress: d.progress } };
  });

  app.delete('/servers/:id', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const server = visibleServer(deps, ctx, (request.params as Json).id);
    if (server.taskState === 'deleting') return reply.code(204).send();
    deps.servers.update(server.id, { taskState: 'deleting' });
    deps.manager.delete(server);
    return reply.code(204).send();
  });
}

