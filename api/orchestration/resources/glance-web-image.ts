/**
 * OS::Glance::WebImage: an image imported into Glance from `location` with Glance's
 * web-download import (translators/image registry import): here a registry reference,
 * `docker://HOST[:PORT]/REPO[:TAG]`. CREATE_COMPLETE once the image is active; a failed
 * pull deletes the half-made image and fails the resource with Glance's reason.
 * `name`, `tags` and `min_*` are kept from create; any change replaces the image.
 *
 * LIMITATION: http(s) URLs of image files are refused (Glance here imports registry images only).
 */
import { NotFoundError } from '../../../engine/errors.js';
import type { ResourceType } from '../../../translators/heat/index.js';
import type { HeatClients } from '../heat-clients.js';

export const glanceWebImageType: ResourceType<HeatClients> = {
  name: 'OS::Glance::WebImage',
  description: 'A Glance image imported from a registry reference (docker://...).',
  properties: {
    location: { type: 'string', required: true, description: 'docker://HOST[:PORT]/REPOSITORY[:TAG]' },
    name: { type: 'string', description: 'The image name; the physical resource name when absent.' },
    container_format: { type: 'string', default: 'docker', constraints: [{ kind: 'allowed_values', values: ['docker', 'bare'] }] },
    disk_format: { type: 'string', default: 'raw', constraints: [{ kind: 'allowed_values', values: ['raw'] }] },
    min_disk: { type: 'integer', default: 0, constraints: [{ kind: 'range', min: 0 }] },
    min_ram: { type: 'integer', default: 0, constraints: [{ kind: 'range', min: 0 }] },
    visibility: { type: 'string', default: 'private', constraints: [{ kind: 'allowed_values', values: ['private', 'public', 'shared', 'community'] }] },
    tags: { type: 'list', default: [] },
    os_distro: { type: 'string' },
    architecture: { type: 'string' },
    id: { type: 'string', description: 'The image id; a UUID when absent.' },
  },
  attributes: {
    show: { description: 'The image as Glance shows it.', type: 'map' },
    status: { description: 'The image status.', type: 'string' },
  },
  validate(p) {
    if (typeof p.location === 'string' && !p.location.startsWith('docker://')) return { property: 'location', message: 'only registry images can be imported here: use docker://HOST/REPOSITORY[:TAG]' };
    return undefined;
  },
  handler: {
    async create(ctx, p) {
      const glance = ctx.clients.images;
      if (!glance) throw new Error('there is no image service on this cloud');
      const image = glance.create(ctx.clients.caller, {
        name: (p.name as string | undefined) ?? ctx.physicalName, container_format: p.container_format, disk_format: p.disk_format,
        min_disk: p.min_disk, min_ram: p.min_ram, visibility: p.visibility, tags: p.tags,
        ...(p.id !== undefined && { id: p.id }), ...(p.os_distro !== undefined && { os_distro: p.os_distro }), ...(p.architecture !== undefined && { architecture: p.architecture }),
      });
      try {
        await glance.startImport(ctx.clients.caller, image.id, { name: 'web-download', uri: p.location }).done;
        const done = glance.find(ctx.clients.caller, image.id);
        if (done.status !== 'active') throw new Error(`import of ${String(p.location)} failed: ${done.properties.os_glance_failed_import ?? done.status}`);
      } catch (err) {
        // A failed import leaves a queued image behind: it goes, so a failed resource leaves nothing.
        try { glance.delete(ctx.clients.caller, image.id); } catch { /* already gone */ }
        throw err;
      }
      return { physicalId: image.id, data: {} };
    },
    async delete(ctx, state) {
      try {
        ctx.clients.images?.delete(ctx.clients.caller, state.physicalId);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    },
    async attribute(ctx, state, name) {
      const image = (() => { try { return ctx.clients.images?.find(ctx.clients.caller, state.physicalId); } catch { return undefined; } })();
      if (!image) return null;
      if (name === 'status') return image.status;
      if (name === 'show') return { id: image.id, name: image.name, status: image.status, visibility: image.visibility, min_disk: image.minDisk, min_ram: image.minRam, tags: image.tags };
      return null;
    },
  },
};
