/** Glance as a service of the cloud server: its catalog entry and its plugin over the shared records. */
import type { GlanceImages } from '../../translators/image/index.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import { imageApi } from './image-api.js';

/** Makes the image service; `imagesOf` gives the one GlanceImages that Nova shares. */
export function imageService(imagesOf: (cloud: CloudContext) => GlanceImages): (cloud: CloudContext) => MountedService {
  return (cloud) => {
    const images = imagesOf(cloud);
    return {
      prefix: '/image',
      catalog: { type: 'image', name: 'glance', path: '/image' },
      plugin: async (app) => imageApi(app, { images, tokens: cloud.identity.tokens, log: cloud.log }),
    };
  };
}
