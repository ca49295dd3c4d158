/** /servers: create, list, show, update, delete (Nova 2.1). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../engine/errors.js';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, canWrite, isAdmin, projectOf, type RequestContext } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import type { ComputeDeps } from './compute-deps.js';
import { novaTime, serverBasic, serverDetail, serverLinks, statusOf } from './compute-views.js';
import { serverCreateSchema } from './server-create-schema.js';
import type { ServerRecord, VmState } from './server-store.js';

type Json = Record<string, any>;
type Query = Record<string, string | undefined>;

const statusFilter: Record<string, VmState[]> = {
  ACTIVE: ['active'], BUILD: ['building'], SHUTOFF: ['stopped'], PAUSED: ['paused'], ERROR: ['error'], VERIFY_RESIZE: ['resized'],
  REBOOT: ['active'], HARD_REBOOT: ['active'], RESIZE: ['active'], REBUILD: ['active'], DELETED: ['deleted'],
};

/** The server if the caller may see it; another project's server is a 404, as if it did not exist. */
export function visibleServer(deps: ComputeDeps, ctx: RequestContext, id: string): ServerRecord {
  const server = deps.servers.get(id);
  if (server.projectId !== ctx.projectId && !isAdmin(ctx)) throw new NotFoundError(`Instance ${id} could not be found.`);
  return server;
}

export function requireWriter(ctx: RequestContext): void {
  if (!canWrite(ctx)) throw forbidden('Policy does not allow this action to be performed.');
}

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
  }).filter((s) => q.status === undefined || statusOf(s) === q.status!.toUpperCase());
  return { servers, limit };
}

function pageLinks(request: FastifyRequest, path: string, servers: ServerRecord[], limit: number | undefined) {
  if (limit === undefined || servers.length < limit || servers.length === 0) return {};
  const params = new URLSearchParams(request.query as Record<string, string>);
  params.set('marker', servers[servers.length - 1]!.id);
  return { servers_links: [{ rel: 'next', href: `${baseUrlOf(request)}/compute/v2.1/${path}?${params}` }] };
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
    return { servers: servers.map((s) => serverDetail(baseUrlOf(request), s, deps.host)), ...pageLinks(request, 'servers/detail', servers, limit) };
  });
  app.get('/servers/:id', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    return { server: serverDetail(baseUrlOf(request), visibleServer(deps, ctx, (request.params as Json).id), deps.host) };
  });

  app.post('/servers', { schema: { body: serverCreateSchema } }, async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const projectId = projectOf(ctx);
    const body = (request.body as Json).server as Json;
    const flavor = (() => { try { return deps.flavors.get(String(body.flavorRef).split('/').pop()!); } catch { throw badRequest(`Flavor ${body.flavorRef} could not be found.`); } })();
    if (body.imageRef === undefined || body.imageRef === '') throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
    const imageId = String(body.imageRef).split('/').pop()!;
    let image;
    try { image = deps.images.find(ctx, imageId); } catch { throw badRequest(`Image ${imageId} could not be found.`); }
    if (image.status !== 'active') throw badRequest(`Image ${imageId} is not active.`);
    if (flavor.ram < image.minRam) throw badRequest("Flavor's memory is too small for requested image.");
    if (flavor.disk > 0 && flavor.disk < image.minDisk) throw badRequest("Flavor's disk is too small for requested image.");
    const bootRef = (() => { try { return deps.images.bootReference(ctx, imageId); } catch (e) { throw badRequest(`Image ${imageId} cannot be booted: ${(e as Error).message}`); } })();
    let keyData: string | undefined;
    if (body.key_name !== undefined) {
      try { keyData = deps.keypairs.get(ctx.userId, body.key_name).publicKey; } catch { throw badRequest('Invalid key_name provided.'); }
    }
    const zone = body.availability_zone ?? 'nova';
    if (zone !== 'nova') throw badRequest(`The requested availability zone is not available`);
    if (Array.isArray(body.networks) && body.networks.length > 0) throw badRequest('Networks are not available yet on this cloud: omit "networks" or use "auto".');
    if (body.user_data !== undefined && Buffer.from(body.user_data, 'base64').toString('base64').replace(/=+$/, '') !== body.user_data.replace(/\s/g, '').replace(/=+$/, '')) {
      throw badRequest('User data needs to be valid base 64.');
    }
    const minCount = Number(body.min_count ?? 1);
    const maxCount = Number(body.max_count ?? minCount);
    if (maxCount < minCount) throw badRequest('min_count must be <= max_count');
    const adminPass: string = body.adminPass ?? randomBytes(9).toString('base64url');
    const records: ServerRecord[] = [];
    deps.quotas.reserve(projectId, () => deps.servers.usage(projectId), { instances: maxCount, cores: maxCount * flavor.vcpus, ram: maxCount * flavor.ram }, () => {
      for (let i = 1; i <= maxCount; i++) {
        const id = randomUUID();
        deps.servers.insert({
          id, name: maxCount > 1 ? `${body.name}-${i}` : body.name, projectId, userId: ctx.userId, imageId: image.id, flavorId: flavor.id,
          ...(body.key_name !== undefined && { keyName: body.key_name, keyData: keyData! }), vmState: 'building', taskState: 'spawning',
          metadata: body.metadata ?? {}, ...(body.user_data !== undefined && { userData: body.user_data }), configDrive: body.config_drive === true || body.config_drive === 'true',
          availabilityZone: zone, accessIPv4: body.accessIPv4 ?? '', accessIPv6: body.accessIPv6 ?? '',
          securityGroups: (body.security_groups as Array<{ name: string }> | undefined)?.map((g) => g.name) ?? ['default'],
          vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk,
        });
        records.push(deps.servers.get(id));
      }
    });
    for (const record of records) deps.manager.spawn(record, bootRef);
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

