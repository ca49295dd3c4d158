/**
 * Cinder v3 under `/volume`: version discovery and volumes (create, list, show, update,
 * extend, delete), enough for `openstack volume create/list/show/set/delete` and for
 * `openstack server add volume` to find its volume. Faults are Cinder's
 * (`{"itemNotFound": {"code": 404, "message": ...}}`).
 *
 * LIMITATIONS against real Cinder: microversion 3.0 only; no volume types, snapshots,
 * backups, transfers, extend, images or attachments API (attach through Nova's
 * os-volume_attachments); quotas and limits are Cinder's defaults, reported and not
 * enforced; one attachment per volume; no pagination or sorting in lists.
 * A volume is ready as soon as it is created (no `creating` status).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type winston from 'winston';
import { type CinderVolumes, defaultVolumeType } from '../../translators/volume/cinder-volumes.js';
import { NotFoundError } from '../../engine/errors.js';
import { badRequest, forbidden } from '../http/api-error.js';
import { authenticate, canWrite, isAdmin, projectOf, type TokenValidator } from '../http/request-context.js';
import { baseUrlOf, installFaults } from '../http/service-faults.js';
import { volumeDetail, volumeSummary } from './cinder-views.js';

const faultNames: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod', 409: 'conflictingRequest', 413: 'overLimit', 501: 'notImplemented',
};

/** Cinder's default quotas (cinder/quota.py), reported but not enforced. */
const defaultQuota = { volumes: 10, gigabytes: 1000 } as const;

const versionHeader = { 'openstack-api-version': 'volume 3.0', vary: 'OpenStack-API-Version' };

interface VolumeBody {
  size?: unknown; name?: unknown; description?: unknown; metadata?: unknown; imageRef?: unknown; snapshot_id?: unknown; source_volid?: unknown; multiattach?: unknown;
  display_name?: unknown; display_description?: unknown;
}

export async function cinderApi(app: FastifyInstance, opts: { volumes: CinderVolumes; tokens: TokenValidator; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message) => ({ [faultNames[status] ?? 'computeFault']: { code: status, message } }), { log: opts.log });
  app.addHook('onSend', async (_request, reply) => { reply.headers(versionHeader); });
  const version = (base: string) => ({
    id: 'v3.0', status: 'CURRENT', version: '3.0', min_version: '3.0', updated: '2023-01-01T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/volume/v3/` }], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  });
  app.get('/', async (request, reply) => reply.code(300).send({ versions: [version(baseUrlOf(request))] }));
  app.get('/v3', async (request) => ({ version: version(baseUrlOf(request)) }));

  await app.register(async (v3) => {
    v3.addHook('onRequest', async (request) => {
      const ctx = authenticate(request, opts.tokens);
      const project = (request.params as { project?: string }).project;
      if (project !== undefined && project !== projectOf(ctx) && !isAdmin(ctx)) throw forbidden(`Policy doesn't allow access to the volumes of project ${project}.`);
      if (request.method !== 'GET' && request.method !== 'HEAD' && !canWrite(ctx)) throw forbidden('Policy does not allow volume changes with a reader role.');
    });
    /** The project whose volumes the request sees; an admin listing with all_tenants sees every project's. */
    const scope = (request: FastifyRequest): string | undefined => {
      const ctx = request.context!;
      const all = (request.query as { all_tenants?: string }).all_tenants;
      if (isAdmin(ctx) && (all === '1' || all === 'true' || all === 'True')) return undefined;
      return (request.params as { project: string }).project;
    };
    const listed = (request: FastifyRequest) => {
      const q = request.query as { name?: string; status?: string };
      return opts.volumes.list(scope(request)).filter((v) => (q.name === undefined || v.name === q.name) && (q.status === undefined || v.status === q.status));
    };

    // What `openstack quota show`, `limits show` and `availability zone list` ask of Cinder
    // once it is in the catalog: Cinder's defaults, not enforced (see LIMITATIONS).
    const quota = (id: string) => ({ id, volumes: defaultQuota.volumes, gigabytes: defaultQuota.gigabytes, snapshots: 10, backups: 10, backup_gigabytes: 1000, per_volume_gigabytes: -1, groups: 10 });
    v3.get('/:project/os-quota-sets/:target', async (request) => ({ quota_set: quota((request.params as { target: string }).target) }));
    v3.get('/:project/os-quota-sets/:target/defaults', async (request) => ({ quota_set: quota((request.params as { target: string }).target) }));
    v3.get('/:project/limits', async (request) => {
      const mine = opts.volumes.list((request.params as { project: string }).project);
      return {
        limits: {
          rate: [],
          absolute: {
            maxTotalVolumes: defaultQuota.volumes, maxTotalVolumeGigabytes: defaultQuota.gigabytes, maxTotalSnapshots: 10, maxTotalBackups: 10, maxTotalBackupGigabytes: 1000,
            totalVolumesUsed: mine.length, totalGigabytesUsed: mine.reduce((sum, v) => sum + v.size, 0), totalSnapshotsUsed: 0, totalBackupsUsed: 0, totalBackupGigabytesUsed: 0,
          },
        },
      };
    });
    v3.get('/:project/os-availability-zone', async () => ({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] }));

    v3.get('/:project/volumes', async (request) => ({ volumes: listed(request).map((v) => volumeSummary(baseUrlOf(request), v)) }));
    v3.get('/:project/volumes/detail', async (request) => ({ volumes: listed(request).map((v) => volumeDetail(baseUrlOf(request), v)) }));
    v3.get('/:project/volumes/:id', async (request) => {
      const { project, id } = request.params as { project: string; id: string };
      return { volume: volumeDetail(baseUrlOf(request), opts.volumes.get(id, isAdmin(request.context!) ? undefined : project)) };
    });
    v3.post('/:project/volumes', async (request, reply) => {
      const body = (request.body as { volume?: VolumeBody } | undefined)?.volume;
      if (!body || typeof body !== 'object') throw badRequest('Missing required element \'volume\' in request body.');
      const type = (body as { volume_type?: unknown }).volume_type;
      if (type !== undefined && type !== null && type !== defaultVolumeType) throw new NotFoundError(`Volume type with name ${String(type)} could not be found.`);
      for (const key of ['snapshot_id', 'source_volid'] as const) if (body[key] !== undefined && body[key] !== null) throw badRequest(`${key} is not supported here: volumes start empty.`);
      if (body.multiattach === true) throw badRequest('multiattach volumes are not supported here.');
      const name = body.name ?? body.display_name;
      const description = body.description ?? body.display_description;
      if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 255)) throw badRequest('Invalid input for field/attribute name.');
      if (description !== undefined && description !== null && typeof description !== 'string') throw badRequest('Invalid input for field/attribute description.');
      const size = typeof body.size === 'string' && /^\d+$/.test(body.size) ? Number(body.size) : body.size;
      const volume = opts.volumes.create(projectOf(request.context!), {
        size: size as number,
        ...(typeof name === 'string' && { name }),
        ...(typeof description === 'string' && { description }),
        ...(body.metadata !== undefined && body.metadata !== null && { metadata: body.metadata as Record<string, string> }),
        ...(body.imageRef !== undefined && body.imageRef !== null && { imageRef: String(body.imageRef) }),
      });
      return reply.code(202).send({ volume: volumeDetail(baseUrlOf(request), volume) });
    });
    v3.put('/:project/volumes/:id', async (request) => {
      const { project, id } = request.params as { project: string; id: string };
      const body = (request.body as { volume?: VolumeBody } | undefined)?.volume;
      if (!body || typeof body !== 'object') throw badRequest('Missing required element \'volume\' in request body.');
      opts.volumes.get(id, isAdmin(request.context!) ? undefined : project);
      const name = body.name ?? body.display_name;
      const description = body.description ?? body.display_description;
      const volume = opts.volumes.update(id, {
        ...(typeof name === 'string' && { name }),
        ...(typeof description === 'string' && { description }),
        ...(body.metadata !== undefined && body.metadata !== null && { metadata: body.metadata as Record<string, string> }),
      });
      return { volume: volumeDetail(baseUrlOf(request), volume) };
    });
    // Volume actions: os-extend only (`openstack volume set --size`).
    v3.post('/:project/volumes/:id/action', async (request, reply) => {
      const { project, id } = request.params as { project: string; id: string };
      opts.volumes.get(id, isAdmin(request.context!) ? undefined : project);
      const body = request.body as { 'os-extend'?: { new_size?: unknown } } | undefined;
      const extend = body?.['os-extend'];
      if (!extend) throw badRequest(`The volume action ${Object.keys(body ?? {})[0] ?? '(none)'} is not supported here; only os-extend is.`);
      const size = typeof extend.new_size === 'string' && /^\d+$/.test(extend.new_size) ? Number(extend.new_size) : extend.new_size;
      if (typeof size !== 'number') throw badRequest('Invalid input for field/attribute new_size.');
      opts.volumes.extend(id, size);
      return reply.code(202).send();
    });
    v3.delete('/:project/volumes/:id', async (request, reply) => {
      const { project, id } = request.params as { project: string; id: string };
      opts.volumes.get(id, isAdmin(request.context!) ? undefined : project);
      opts.volumes.delete(id);
      return reply.code(202).send();
    });
  }, { prefix: '/v3' });
}
