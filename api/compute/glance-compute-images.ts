/** Nova's view of the Glance translator: the same records, seen as Nova's image proxy shows them. */
import type { GlanceImage } from '../../translators/image/glance-image.js';
import type { GlanceImages } from '../../translators/image/glance-images.js';
import type { ComputeImage, ComputeImages } from './compute-images.js';

const toComputeImage = (g: GlanceImage): ComputeImage => ({
  id: g.id, name: g.name ?? '', status: g.status === 'killed' ? 'error' : g.status, minRam: g.minRam, minDisk: g.minDisk,
  ...(g.size !== null && { size: g.size }), createdAt: g.createdAt, updatedAt: g.updatedAt, properties: g.properties,
});

export function computeImagesFrom(glance: GlanceImages): ComputeImages {
  return {
    find: (ctx, id) => toComputeImage(glance.find(ctx, id)),
    list: (ctx) => glance.list(ctx).map(toComputeImage),
    bootReference: (ctx, id) => glance.bootReference(ctx, id),
    createSnapshotRecord: (ctx, input) => toComputeImage(glance.createSnapshotRecord(ctx, input)),
    completeSnapshot: (id, engineImageId) => glance.completeSnapshot(id, engineImageId),
    failSnapshot: (id, reason) => glance.failSnapshot(id, reason),
    delete: (ctx, id) => glance.delete(ctx, id),
  };
}
