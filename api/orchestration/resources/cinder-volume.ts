/**
 * OS::Cinder::Volume: a Cinder volume of `size` GiB, which here is an engine volume whose
 * filesystem has that size (translators/volume/cinder-volumes.ts): `intermodal volume ls`
 * lists it as `volume-<id>`, and writing past its size fails with ENOSPC. Name, description
 * and metadata change in place; a larger size grows it in place (offline when no server
 * has it attached; online needs CAP_SYS_RESOURCE), a smaller one is refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError, NotImplementedError } from '../../../engine/errors.js';
import type { ResourceType } from '../../../translators/heat/index.js';
import { type CinderVolume, type CinderVolumes, defaultVolumeType } from '../../../translators/volume/cinder-volumes.js';
import { isAdmin, projectOf } from '../../http/request-context.js';
import type { HeatClients } from '../heat-clients.js';

/** Cinder in-process, or a clear refusal on a cloud without block storage. */
export function cinderOf(clients: HeatClients): CinderVolumes {
  const volumes = clients.compute.volumes;
  if (!volumes) throw new NotImplementedError('this cloud has no block storage (Cinder) for OS::Cinder::* resources');
  return volumes;
}

/** The caller's project, or every project for an admin. */
export function scopeOf(clients: HeatClients): string | undefined {
  return isAdmin(clients.caller) ? undefined : projectOf(clients.caller);
}

const attachmentView = (v: CinderVolume) => v.attachments.map((a) => ({
  id: a.attachmentId, attachment_id: a.attachmentId, server_id: a.serverId, volume_id: v.id, device: a.device, mount_path: a.mountPath, attached_at: a.attachedAt,
}));

export const cinderVolumeType: ResourceType<HeatClients> = {
  name: 'OS::Cinder::Volume',
  description: 'A block storage volume: a filesystem of the given size that OS::Cinder::VolumeAttachment mounts into a server.',
  properties: {
    size: { type: 'integer', required: true, description: 'The size of the volume in GiB; a larger size grows it in place (it never shrinks).', constraints: [{ kind: 'range', min: 1 }], updateAllowed: true },
    name: { type: 'string', description: 'A name for the volume.', updateAllowed: true },
    description: { type: 'string', description: 'A description of the volume.', updateAllowed: true },
    metadata: { type: 'map', description: 'Key/value metadata for the volume.', default: {}, updateAllowed: true },
    image: { type: 'string', description: 'Not supported here: volumes start empty; giving it fails with a clear error.' },
    availability_zone: { type: 'string', description: 'Accepted and ignored: this cloud has one storage zone.' },
    volume_type: { type: 'string', description: `The volume type; this cloud has one, ${defaultVolumeType}.` },
  },
  attributes: {
    size: { description: 'The size of the volume in GiB.', type: 'integer' },
    status: { description: 'The current status of the volume (available, in-use).', type: 'string' },
    name: { description: 'The name of the volume.', type: 'string' },
    display_name: { description: 'The name of the volume (older name of the attribute).', type: 'string' },
    description: { description: 'The description of the volume.', type: 'string' },
    display_description: { description: 'The description of the volume (older name of the attribute).', type: 'string' },
    metadata: { description: 'Key/value metadata of the volume, as JSON.', type: 'string' },
    metadata_values: { description: 'Key/value metadata of the volume.', type: 'map' },
    attachments: { description: 'The attachments of the volume, as JSON (server_id, device, mount_path).', type: 'string' },
    attachments_list: { description: 'The attachments of the volume: server_id, device, and mount_path, where it is mounted in the server.', type: 'list' },
    created_at: { description: 'When the volume was created.', type: 'string' },
    bootable: { description: 'Whether the volume can be booted from (never here).', type: 'boolean' },
    encrypted: { description: 'Whether the volume is encrypted (never here).', type: 'boolean' },
    availability_zone: { description: 'The availability zone of the volume.', type: 'string' },
    volume_type: { description: 'The volume type.', type: 'string' },
  },
  handler: {
    async create(ctx, p) {
      if (p.volume_type !== undefined && p.volume_type !== null && p.volume_type !== defaultVolumeType) throw new NotFoundError(`Volume type with name ${String(p.volume_type)} could not be found (this cloud has one type, ${defaultVolumeType}).`);
      if (p.image !== undefined && p.image !== null) throw new NotImplementedError('OS::Cinder::Volume: the image property is not supported here; volumes start empty (an ext4 filesystem)');
      const volume = cinderOf(ctx.clients).create(projectOf(ctx.clients.caller), {
        size: p.size as number,
        name: (p.name as string | undefined) ?? ctx.physicalName,
        ...(p.description !== undefined && { description: String(p.description) }),
        metadata: Object.fromEntries(Object.entries((p.metadata ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
      });
      return { physicalId: volume.id, data: {} };
    },
    async update(ctx, state, p, changed) {
      if (changed.includes('size')) cinderOf(ctx.clients).extend(state.physicalId, p.size as number);
      cinderOf(ctx.clients).update(state.physicalId, {
        name: (p.name as string | undefined) ?? ctx.physicalName,
        description: (p.description as string | undefined) ?? '',
        metadata: Object.fromEntries(Object.entries((p.metadata ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
      });
      return state;
    },
    async delete(ctx, state) {
      // An attachment being deleted alongside (its dependency can be lost after a failed
      // update) ends within moments: wait for it rather than fail the stack delete.
      const volumes = cinderOf(ctx.clients);
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
        try {
          if (volumes.get(state.physicalId).status !== 'in-use') break;
        } catch {
          return;
        }
      }
      volumes.delete(state.physicalId);
    },
    async attribute(ctx, state, name) {
      const v = cinderOf(ctx.clients).get(state.physicalId, scopeOf(ctx.clients));
      switch (name) {
        case 'size': return v.size;
        case 'status': return v.status;
        case 'name': case 'display_name': return v.name;
        case 'description': case 'display_description': return v.description;
        case 'metadata': return JSON.stringify(v.metadata);
        case 'metadata_values': return v.metadata;
        case 'attachments': return JSON.stringify(attachmentView(v));
        case 'attachments_list': return attachmentView(v);
        case 'created_at': return v.createdAt;
        case 'bootable': case 'encrypted': return false;
        case 'availability_zone': return 'nova';
        case 'volume_type': return defaultVolumeType;
        default: return null;
      }
    },
  },
};
