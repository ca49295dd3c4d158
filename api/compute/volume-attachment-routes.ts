/**
 * Nova's /servers/{id}/os-volume_attachments (`openstack server add volume`, `server remove
 * volume`, `server volume list`): attach a Cinder volume to a running server, mounted at the
 * path its device name gives (volume-attachments.ts), without restarting it.
 */
import type { FastifyInstance } from 'fastify';
import { NotImplementedError, NotFoundError } from '../../engine/errors.js';
import type { CinderVolumes } from '../../translators/volume/cinder-volumes.js';
import { badRequest } from '../http/api-error.js';
import { authenticate } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';
import { requireWriter, visibleServer } from './server-access.js';
import { attachServerVolume, detachServerVolume } from './volume-attachments.js';

type Json = Record<string, any>;

const view = (serverId: string, volumeId: string, device: string) => ({ id: volumeId, serverId, volumeId, device });

export function registerVolumeAttachmentRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const volumesOf = (): CinderVolumes => {
    const volumes = deps.volumes?.();
    if (!volumes) throw new NotImplementedError('this cloud has no block storage');
    return volumes;
  };
  const attachmentsOf = (serverId: string) => volumesOf().list().flatMap((v) => v.attachments.filter((a) => a.serverId === serverId).map((a) => view(serverId, v.id, a.device)));

  app.get('/servers/:id/os-volume_attachments', async (request) => {
    const s = visibleServer(deps, authenticate(request, deps.tokens), (request.params as Json).id);
    return { volumeAttachments: attachmentsOf(s.id) };
  });
  app.get('/servers/:id/os-volume_attachments/:volumeId', async (request) => {
    const s = visibleServer(deps, authenticate(request, deps.tokens), (request.params as Json).id);
    const found = attachmentsOf(s.id).find((a) => a.volumeId === (request.params as Json).volumeId);
    if (!found) throw new NotFoundError(`volume_id not found: ${(request.params as Json).volumeId}`);
    return { volumeAttachment: found };
  });
  app.post('/servers/:id/os-volume_attachments', async (request) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = visibleServer(deps, ctx, (request.params as Json).id);
    const body = (request.body as Json | undefined)?.volumeAttachment as Json | undefined;
    if (!body || typeof body.volumeId !== 'string') throw badRequest("Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property");
    if (body.device !== undefined && body.device !== null && typeof body.device !== 'string') throw badRequest('Invalid input for field/attribute device.');
    const attachment = await attachServerVolume(deps, volumesOf(), ctx, s.id, body.volumeId, body.device ?? undefined);
    return { volumeAttachment: view(s.id, body.volumeId, attachment.device) };
  });
  app.delete('/servers/:id/os-volume_attachments/:volumeId', async (request, reply) => {
    const ctx = authenticate(request, deps.tokens);
    requireWriter(ctx);
    const s = visibleServer(deps, ctx, (request.params as Json).id);
    const volumeId = (request.params as Json).volumeId as string;
    if (!attachmentsOf(s.id).some((a) => a.volumeId === volumeId)) throw new NotFoundError(`volume_id not found: ${volumeId}`);
    await detachServerVolume(deps, volumesOf(), ctx, s.id, volumeId);
    return reply.code(202).send();
  });
}
