/** /flavors (with extra specs; admin creates and deletes) and /os-keypairs (per user). */
import type { FastifyInstance } from 'fastify';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, isAdmin } from '../http/request-context.js';
import { baseUrlOf } from '../http/service-faults.js';
import type { ComputeDeps } from './compute-deps.js';
import { flavorBasic, flavorDetail, keypairListEntry, keypairShow } from './compute-views.js';

type Json = Record<string, any>;
type Query = Record<string, string | undefined>;

export function registerFlavorAndKeypairRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const { flavors, keypairs } = deps;
  const listFlavors = (q: Query) => {
    // OSC sends is_public=None meaning "all" (openstackclient/compute/v2/server.py).
    const pub = q.is_public === undefined || q.is_public === 'None' || q.is_public.toLowerCase() === 'none' ? undefined : ['true', '1', 'yes'].includes(q.is_public.toLowerCase());
    let list = flavors.list({ ...(pub !== undefined && { isPublic: pub }), ...(q.minRam !== undefined && { minRam: Number(q.minRam) }), ...(q.minDisk !== undefined && { minDisk: Number(q.minDisk) }) });
    if (q.marker !== undefined) list = list.slice(list.findIndex((f) => f.id === q.marker) + 1);
    if (q.limit !== undefined) list = list.slice(0, Number(q.limit));
    return list;
  };
  app.get('/flavors', async (request) => {
    authenticate(request, deps.tokens);
    return { flavors: listFlavors(request.query as Query).map((f) => flavorBasic(baseUrlOf(request), f)) };
  });
  app.get('/flavors/detail', async (request) => {
    authenticate(request, deps.tokens);
    return { flavors: listFlavors(request.query as Query).map((f) => flavorDetail(baseUrlOf(request), f)) };
  });
  app.get('/flavors/:id', async (request) => {
    authenticate(request, deps.tokens);
    return { flavor: flavorDetail(baseUrlOf(request), flavors.get((request.params as Json).id)) };
  });
  app.post('/flavors', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    if (!isAdmin(ctx)) throw forbidden('Policy does not allow os_compute_api:os-flavor-manage:create to be performed.');
    const f = (request.body as Json | undefined)?.flavor as Json | undefined;
    if (!f || typeof f.name !== 'string' || f.name.length < 1 || f.name.length > 255) throw badRequest('Invalid input for field/attribute name.');
    const int = (k: string, min: number) => {
      const v = f[k] === undefined ? undefined : Number(f[k]);
      if (v !== undefined && (!Number.isInteger(v) || v < min)) throw badRequest(`Invalid input for field/attribute ${k}.`);
      return v;
    };
    const flavor = flavors.create({
      ...(f.id !== undefined && f.id !== null && { id: String(f.id) }), name: f.name, vcpus: int('vcpus', 1) ?? NaN, ram: int('ram', 1) ?? NaN, disk: int('disk', 0) ?? NaN,
      ephemeral: int('OS-FLV-EXT-DATA:ephemeral', 0) ?? 0, swap: f.swap === '' ? 0 : int('swap', 0) ?? 0,
      ...(f['os-flavor-access:is_public'] !== undefined && { isPublic: f['os-flavor-access:is_public'] === true }),
    });
    return { flavor: flavorDetail(baseUrlOf(request), flavor) };
  });
  app.delete('/flavors/:id', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    if (!isAdmin(ctx)) throw forbidden('Policy does not allow os_compute_api:os-flavor-manage:delete to be performed.');
    flavors.delete((request.params as Json).id);
    return reply.code(202).send();
  });
  app.get('/flavors/:id/os-extra_specs', async (request) => {
    authenticate(request, deps.tokens);
    return { extra_specs: flavors.get((request.params as Json).id).extraSpecs };
  });
  app.post('/flavors/:id/os-extra_specs', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    if (!isAdmin(ctx)) throw forbidden('Policy does not allow os_compute_api:os-flavor-extra-specs:create to be performed.');
    const specs = (request.body as Json | undefined)?.extra_specs;
    if (!specs || typeof specs !== 'object' || Object.values(specs).some((v) => typeof v !== 'string')) throw badRequest('Invalid input for field/attribute extra_specs.');
    return { extra_specs: flavors.setExtraSpecs((request.params as Json).id, specs) };
  });
  app.delete('/flavors/:id/os-extra_specs/:key', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    if (!isAdmin(ctx)) throw forbidden('Policy does not allow os_compute_api:os-flavor-extra-specs:delete to be performed.');
    flavors.deleteExtraSpec((request.params as Json).id, (request.params as Json).key);
    return reply.code(200).send();
  });

  app.get('/os-keypairs', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    return { keypairs: keypairs.list(ctx.userId).map(keypairListEntry) };
  });
  app.get('/os-keypairs/:name', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    return { keypair: keypairShow(keypairs.get(ctx.userId, (request.params as Json).name)) };
  });
  app.post('/os-keypairs', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    const k = (request.body as Json | undefined)?.keypair as Json | undefined;
    if (!k || typeof k.name !== 'string') throw badRequest("Invalid input for field/attribute keypair. 'name' is a required property");
    if (k.public_key !== undefined && typeof k.public_key !== 'string') throw badRequest('Invalid input for field/attribute public_key.');
    const projectId = ctx.projectId ?? ctx.userId;
    const limit = deps.quotas.get(projectId).key_pairs ?? -1;
    if (limit >= 0 && keypairs.count(ctx.userId) >= limit) throw forbidden('Quota exceeded, too many key pairs.');
    const { keypair, privateKey } = keypairs.create(ctx.userId, k.name, k.public_key);
    return { keypair: { name: keypair.name, public_key: keypair.publicKey, fingerprint: keypair.fingerprint, user_id: keypair.userId, ...(privateKey !== undefined && { private_key: privateKey }) } };
  });
  app.delete('/os-keypairs/:name', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    keypairs.delete(ctx.userId, (request.params as Json).name);
    return reply.code(202).send();
  });
}
