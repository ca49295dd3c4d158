/**
 * The Glance v2 JSON of an image: every core field always present (null when unset), the
 * custom properties flattened beside them, and the links relative to the unversioned
 * endpoint as Glance writes them.
 */
import type { GlanceImage } from './glance-image.js';
import type { GlanceMember } from './glance-records.js';

/** Glance's timestamp form: seconds precision with a literal Z. */
export function glanceTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The status a client sees. A failed snapshot is `killed` in Glance, which the SDK's
 * wait does not count as failure (OSC would poll forever); it is shown as `error`.
 */
export function visibleStatus(image: GlanceImage): string {
  return image.status === 'killed' ? 'error' : image.status;
}

/** `{...}` for one image, as `GET /v2/images/{id}` returns it. */
export function glanceImageView(image: GlanceImage): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    status: visibleStatus(image),
    container_format: image.containerFormat,
    disk_format: image.diskFormat,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.osHidden,
    size: image.size,
    virtual_size: null,
    checksum: image.checksum,
    os_hash_algo: image.osHashValue === null ? null : 'sha512',
    os_hash_value: image.osHashValue,
    min_disk: image.minDisk,
    min_ram: image.minRam,
    owner: image.owner,
    created_at: glanceTime(image.createdAt),
    updated_at: glanceTime(image.updatedAt),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** One member, as `GET /v2/images/{id}/members/{member}` returns it. */
export function glanceMemberView(member: GlanceMember): Record<string, unknown> {
  return {
    image_id: member.imageId,
    member_id: member.member,
    status: member.status,
    created_at: glanceTime(member.createdAt),
    updated_at: glanceTime(member.updatedAt),
    schema: '/v2/schemas/member',
  };
}
