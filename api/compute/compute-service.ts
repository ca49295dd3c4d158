/** Builds Nova over a compute driver and the image service, for the cloud server to mount. */
import os from 'node:os';
import type { ComputeDriver } from '../../drivers/compute-driver.js';
import type { CloudContext, MountedService } from '../cloud-server.js';
import { migrateService } from '../http/cloud-database.js';
import { computeApi } from './compute-api.js';
import type { ComputeDeps } from './compute-deps.js';
import type { ComputeImages } from './compute-images.js';
import { ComputeManager } from './compute-manager.js';
import { computeMigrations } from './compute-schema.js';
import { FlavorStore } from './flavor-store.js';
import { KeypairStore } from './keypair-store.js';
import { QuotaStore } from './quotas.js';
import { ServerStore } from './server-store.js';
import { serverNetworkingOf } from '../network/network-registry.js';
import { blockStorageOf } from '../volume/block-storage-registry.js';

export interface ComputeServiceOptions {
  driver: ComputeDriver;
  images: (cloud: CloudContext) => ComputeImages;
  /** How often the power-state sync runs; 0 disables it. */
  powerSyncIntervalMs?: number;
}

/** The service factory; `onReady` hands the parts back (the host closes the manager; Heat uses Nova in-process). */
export function computeService(options: ComputeServiceOptions, onReady?: (deps: ComputeDeps) => void) {
  return (cloud: CloudContext): MountedService => {
    migrateService(cloud.db, 'compute', computeMigrations);
    const servers = new ServerStore(cloud.db);
    const images = options.images(cloud);
    const networking = () => serverNetworkingOf(cloud);
    const manager = new ComputeManager(servers, options.driver, images, cloud.log, networking);
    if ((options.powerSyncIntervalMs ?? 2000) > 0) manager.startPowerSync(options.powerSyncIntervalMs ?? 2000);
    const deps: ComputeDeps = {
      tokens: cloud.identity.tokens, servers, flavors: new FlavorStore(cloud.db), keypairs: new KeypairStore(cloud.db),
      quotas: new QuotaStore(cloud.db), images, manager, host: os.hostname(), networking, volumes: () => blockStorageOf(cloud),
    };
    onReady?.(deps);
    return {
      prefix: '/compute',
      catalog: { type: 'compute', name: 'nova', path: '/compute/v2.1' },
      plugin: async (app) => {
        // Security groups are put on an instance's interfaces before its first process runs;
        // a closed API leaves the driver (and the container service it shares) without its hook.
        options.driver.setPrestartHook?.(async (serverId, addresses) => networking()?.prestart?.(serverId, addresses));
        app.addHook('onClose', async () => options.driver.setPrestartHook?.(undefined));
        await computeApi(app, { deps, log: cloud.log });
      },
    };
  };
}
