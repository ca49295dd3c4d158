/** Cinder v3's volume bodies, as cinderclient and openstacksdk read them. */
import { type CinderVolume, defaultVolumeType } from '../../translators/volume/cinder-volumes.js';

const link = (base: string, v: CinderVolume) => [
  { rel: 'self', href: `${base}/volume/v3/${v.projectId}/volumes/${v.id}` },
  { rel: 'bookmark', href: `${base}/volume/${v.projectId}/volumes/${v.id}` },
];

/** The summary in `GET /volumes`. */
export function volumeSummary(base: string, v: CinderVolume) {
  return { id: v.id, name: v.name, links: link(base, v) };
}

/** The full volume (`GET /volumes/{id}`, `/volumes/detail`). */
export function volumeDetail(base: string, v: CinderVolume) {
  return {
    ...volumeSummary(base, v),
    description: v.description,
    size: v.size,
    status: v.status,
    availability_zone: 'nova',
    created_at: v.createdAt,
    updated_at: null,
    attachments: v.attachments.map((a) => ({
      id: v.id, attachment_id: a.attachmentId, volume_id: v.id, server_id: a.serverId, host_name: null, device: a.device, attached_at: a.attachedAt,
    })),
    bootable: 'false',
    encrypted: false,
    multiattach: false,
    metadata: v.metadata,
    volume_type: defaultVolumeType,
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    replication_status: null,
    'os-vol-tenant-attr:tenant_id': v.projectId,
    user_id: null,
  };
}
