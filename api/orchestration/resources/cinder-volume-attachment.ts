/**
 * OS::Cinder::VolumeAttachment: mounts a volume in a running server without restarting it.
 * A server is a container, not a VM, so `mountpoint` is where the volume's filesystem
 * appears inside it: `/dev/vdb` at `/mnt/vdb` (any `/dev/<name>` at `/mnt/<name>`), any
 * other absolute path at itself; the attributes say where. Changing the server, volume or
 * mountpoint detaches and attaches again; the volume's data stays.
 */
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';
import { cinderOf, scopeOf } from './cinder-volume.js';

async function attach(clients: HeatClients, p: Readonly<Record<string, unknown>>) {
  cinderOf(clients);
  const attachment = await clients.compute.attachVolume(clients.caller, String(p.instance_uuid), String(p.volume_id), (p.mountpoint as string | undefined) ?? undefined);
  return { physicalId: attachment.attachmentId, data: { serverId: attachment.serverId, volumeId: String(p.volume_id), device: attachment.device, mountPath: attachment.mountPath } };
}

export const cinderVolumeAttachmentType: ResourceType<HeatClients> = {
  name: 'OS::Cinder::VolumeAttachment',
  description: 'Attaches a volume to a running server, mounted at the path its mountpoint gives (/dev/vdb at /mnt/vdb).',
  properties: {
    instance_uuid: { type: 'string', required: true, description: 'The ID of the server to attach the volume to.', updateAllowed: true },
    volume_id: { type: 'string', required: true, description: 'The ID of the volume to attach.', updateAllowed: true },
    mountpoint: { type: 'string', description: 'A device name (/dev/vdb: mounted at /mnt/vdb) or an absolute path to mount at; the next free /dev/vdX when absent.', updateAllowed: true },
  },
  attributes: {
    device: { description: 'The device name of the attachment (/dev/vdb).', type: 'string' },
    mount_path: { description: 'Where the volume is mounted inside the server.', type: 'string' },
    server_id: { description: 'The server the volume is attached to.', type: 'string' },
    volume_id: { description: 'The attached volume.', type: 'string' },
    show: { description: 'The attachment as a map.', type: 'map' },
  },
  handler: {
    async create(ctx, p) {
      return attach(ctx.clients, p);
    },
    async update(ctx, state, p) {
      await ctx.clients.compute.detachVolume(ctx.clients.caller, String(state.data.serverId), String(state.data.volumeId));
      return attach(ctx.clients, p);
    },
    async delete(ctx, state) {
      try {
        cinderOf(ctx.clients).get(String(state.data.volumeId), scopeOf(ctx.clients));
      } catch {
        return; // The volume is gone, and the attachment with it.
      }
      await ctx.clients.compute.detachVolume(ctx.clients.caller, String(state.data.serverId), String(state.data.volumeId));
    },
    async attribute(_ctx, state, name) {
      const show = { id: state.physicalId, server_id: state.data.serverId, volume_id: state.data.volumeId, device: state.data.device, mount_path: state.data.mountPath };
      if (name === 'show') return show;
      return (show as Record<string, unknown>)[name] ?? null;
    },
  },
};
