/** /servers/{id}/metadata, /servers/{id}/ips, and the Nova image proxy /images (pkgcloud's getImages). */
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../http/api-error.js';
import { authenticate } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import { NotFoundError } from '../../engine/errors.js';
import type { ComputeDeps } from './compute-deps.js';
import type { ComputeImage } from './compute-images.js';
import { novaTime } from './compute-views.js';
import { requireWriter, visibleServer } from './server-access.js';

type Json = Record<string, any>;

function checkMetadata(value: unknown, maxItems: number): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('Malformed request body: metadata must be an object');
  for (const [k, v] of Object.entries(value)) {
    if (k.length < 1 || k.length > 255) throw badRequest('Invalid input for field/attribute metadata: keys are 1 to 255 characters.');
    if (typeof v !== 'string' || v.length > 255) throw badRequest(`Invalid input for field/attribute metadata. Value for '${k}' must be a string of at most 255 characters.`);
  }
  if (Object.keys(value).length > maxItems) throw badRequest(`Quota exceeded for metadata_items: at most ${maxItems}`);
  return value as Record<string, string>;
}

export function imageView(base: string, image: ComputeImage) {
  return {
    id: image.id, name: image.name, status: image.status === 'active' ? 'ACTIVE' : image.status === 'queued' || image.status === 'saving' ? 'SAVING' : image.status === 'deleted' ? 'DELETED' : 'ERROR',
    progress: image.status === 'active' ? 100 : image.status === 'saving' ? 50 : 0, created: novaTime(image.createdAt), updated: novaTime(image.updatedAt),
    minDisk: image.minDisk, minRam: image.minRam, metadata: image.properties, 'OS-EXT-IMG-SIZE:size': image.size ?? 0,
    links: [{ rel: 'self', href: `${base}/compute/v2.1/images/${image.id}` }, { rel: 'bookmark', href: `${base}/compute/images/${image.id}` },
      { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${base}/image/v2/images/${image.id}` }],
  };
}

export function registerServerSubresourceRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const server = (request: { params: unknown }, ctx: Parameters<typeof visibleServer>[1]) => visibleServer(deps, ctx, (request.params as Json).id);
  const limitOf = (projectId: string) => deps.quotas.get(projectId).metadata_items ?? 128;

  app.get('/servers/:id/metadata', async (request) => ({ metadata: server(request, authenticate(request, deps.tokens)).metadata }));
  app.post('/servers/:id/metadata', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = server(request, ctx);
    const merged = checkMetadata({ ...s.metadata, ...checkMetadata((request.body as Json | undefined)?.metadata, Infinity) }, limitOf(s.projectId));
    return { metadata: deps.servers.update(s.id, { metadata: merged }).metadata };
  });
  app.put('/servers/:id/metadata', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = server(request, ctx);
    return { metadata: deps.servers.update(s.id, { metadata: checkMetadata((request.body as Json | undefined)?.metadata, limitOf(s.projectId)) }).metadata };
  });
  app.get('/servers/:id/metadata/:key', async (request) => {
    const s = server(request, authenticate(request, deps.tokens));
    const key = (request.params as Json).key as string;
    if (!(key in s.metadata)) throw new NotFoundError('Metadata item was not found');
    return { meta: { [key]: s.metadata[key] } };
  });
  app.put('/servers/:id/metadata/:key', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = server(request, ctx);
    const key = (request.params as Json).key as string;
    const meta = checkMetadata((request.body as Json | undefined)?.meta, 1);
    if (Object.keys(meta).length !== 1 || !(key in meta)) throw badRequest('Request body and URI mismatch');
    deps.servers.update(s.id, { metadata: checkMetadata({ ...s.metadata, ...meta }, limitOf(s.projectId)) });
    return { meta };
  });
  app.delete('/servers/:id/metadata/:key', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = server(request, ctx);
    const key = (request.params as Json).key as string;
    if (!(key in s.metadata)) throw new NotFoundError('Metadata item was not found');
    const { [key]: _removed, ...rest } = s.metadata;
    deps.servers.update(s.id, { metadata: rest });
    return reply.code(204).send();
  });

  const ipsOf = (addresses: Record<string, Array<{ address: string }>>) =>
    Object.fromEntries(Object.entries(addresses).map(([net, list]) => [net, list.map((a) => ({ version: a.address.includes(':') ? 6 : 4, addr: a.address }))]));
  app.get('/servers/:id/ips', async (request) => ({ addresses: ipsOf(server(request, authenticate(request, deps.tokens)).addresses) }));
  app.get('/servers/:id/ips/:network', async (request) => {
    const all = ipsOf(server(request, authenticate(request, deps.tokens)).addresses);
    const network = (request.params as Json).network as string;
    if (!(network in all)) throw new NotFoundError('Network could not be found.');
    return { [network]: all[network] };
  });

  app.get('/images', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const base = baseUrlOf(request);
    return { images: deps.images.list(ctx).map((i) => { const v = imageView(base, i); return { id: v.id, name: v.name, links: v.links }; }) };
  });
  app.get('/images/detail', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    return { images: deps.images.list(ctx).map((i) => imageView(baseUrlOf(request), i)) };
  });
  app.get('/images/:id', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    return { image: imageView(baseUrlOf(request), deps.images.find(ctx, (request.params as Json).id)) };
  });
  app.delete('/images/:id', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    deps.images.delete(ctx, (request.params as Json).id);
    return reply.code(204).send();
  });
}
