/** Builds Cinder v3 over the engine's sized volumes, for the cloud server to mount at `/volume`. */
import type { CinderVolumes } from '../../translators/volume/cinder-volumes.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import { registerBlockStorage } from './block-storage-registry.js';
import { cinderApi } from './cinder-api.js';

export function volumeService(volumes: CinderVolumes) {
  return (cloud: CloudContext): MountedService => {
    registerBlockStorage(cloud, volumes);
    return {
      prefix: '/volume',
      catalog: { type: 'volumev3', name: 'cinderv3', path: '/volume/v3/%(project_id)s' },
      plugin: async (app) => cinderApi(app, { volumes, tokens: cloud.identity.tokens, log: cloud.log }),
    };
  };
}
