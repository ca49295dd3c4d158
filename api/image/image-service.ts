/** Glance as a service of the cloud server: its catalog entry and its plugin over the shared records. */
import type { GlanceImages } from '../../translators/image/index.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import { imageApi } from './image-api.js';

/** Makes the image service; `imagesOf` gives the one GlanceImages that Nova shares. */
export function imageService(imagesOf: (cloud: CloudContext) => GlanceImages): (cloud: CloudContext) => MountedService {
  return (cloud) => {
    const images = imagesOf(cloud);
    // The server is the one process that uploads and imports: what it left half-done is queued again.
    const requeued = images.recover();
    if (requeued.length > 0) cloud.log.warn('image uploads interrupted by a restart were queued again', { images: requeued });
    return {
      prefix: '/image',
      catalog: { type: 'image', name: 'glance', path: '/image' },
      plugin: async (app) => imageApi(app, { images, tokens: cloud.identity.tokens, log: cloud.log }),
    };
  };
}
