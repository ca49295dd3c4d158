/**
 * Assembles the cloud over an open engine: the API server with every service, the compute
 * driver, and the start-up work only the server may do (reconciling containers).
 */
import type winston from 'winston';
import type { ContainerService } from '../engine/containers/container-service.js';
import type { Engine } from '../engine/engine.js';
import { NetworkService } from '../engine/network/network-service.js';
import { type CloudContext, type CloudServer, createCloudServer } from './cloud-server.js';
import { type BootstrapResult, bootstrapIdentity } from './identity/bootstrap.js';
import { computeDriverFromConfig } from '../drivers/compute-hosts-config.js';
import { GlanceImages } from '../translators/image/glance-images.js';
import { computeService } from './compute/compute-service.js';
import type { ComputeManager } from './compute/compute-manager.js';
import { computeImagesFrom } from './compute/glance-compute-images.js';
import { imageService } from './image/image-service.js';
import { ComputeFacade } from './compute/compute-facade.js';
import { CinderVolumes } from '../translators/volume/cinder-volumes.js';
import { volumeService } from './volume/volume-service.js';
import { orchestrationService } from './orchestration/orchestration-service.js';
import type { StackRunner } from './orchestration/stack-runner.js';
import { registryApi } from './registry/registry-api.js';
import { networkService } from './network/network-service.js';
import { keystoneRegistryAuthenticator } from './identity/registry-authenticator.js';

export interface CloudOptions {
  engine: Engine;
  containers: ContainerService;
  log: winston.Logger;
  adminPassword?: string;
  tokenLifetimeMs?: number;
  /**
   * How long the driver's spawn waits for a command that dies at once before it reports the
   * instance up (ms). 0 by default: Nova says ACTIVE as soon as it runs, and the compute
   * manager's boot watch turns a server whose command died at once to ERROR.
   */
  earlyExitWindowMs?: number;
  powerSyncIntervalMs?: number;
}

export interface Cloud {
  server: CloudServer;
  /** Creates the admin user on first start and (re)writes clouds.yaml and openrc for `publicUrl`. */
  bootstrap(publicUrl: string): BootstrapResult;
  close(): Promise<void>;
}

export async function startCloud(options: CloudOptions): Promise<Cloud> {
  const dataDir = options.engine.config.dataDir;
  // The server is the one process that may settle containers a crash left half-started.
  await options.containers.reconcile();
  // And the networks they sit on: orphaned veths, rules and addresses go; bridges and DNS come back.
  await new NetworkService(options.engine.db, dataDir).reconcile().catch((err: unknown) => options.log.error('network reconcile failed', { error: String(err) }));
  const driver = computeDriverFromConfig(options.engine, options.containers, dataDir, { earlyExitWindowMs: options.earlyExitWindowMs ?? 0 });
  let glance: GlanceImages | undefined;
  // One Glance translator for Nova and Glance alike; the admin project owns engine-loaded images.
  const glanceOf = (cloud: CloudContext): GlanceImages => (glance ??= new GlanceImages(cloud.db, options.engine, {
    adminProjectId: () => cloud.identity.store.findProjectByName('admin', 'default')?.id,
  }));
  // Cinder over the engine's volumes: its own API, and Nova and Heat attach its volumes.
  const cinder = new CinderVolumes(options.containers.volumes);
  let manager: ComputeManager | undefined;
  let facade: ComputeFacade | undefined;
  let stacks: StackRunner | undefined;
  const server = await createCloudServer({
    dataDir, log: options.log,
    services: [
      imageService(glanceOf),
      // Docker Registry v2 on the same listener and store: `docker login` with a cloud user.
      (cloud) => ({ prefix: '/v2', plugin: async (app) => registryApi(app, { engine: options.engine, auth: keystoneRegistryAuthenticator(cloud.identity.store) }) }),
      computeService({ driver, images: (cloud) => computeImagesFrom(glanceOf(cloud)), ...(options.powerSyncIntervalMs !== undefined && { powerSyncIntervalMs: options.powerSyncIntervalMs }) }, (deps) => { manager = deps.manager; facade = new ComputeFacade(deps, cinder); }),
      orchestrationService(() => facade!, (runner) => { stacks = runner; }, glanceOf),
      networkService({ engine: options.engine }),
      volumeService(cinder),
    ],
    ...(options.tokenLifetimeMs !== undefined && { tokenLifetimeMs: options.tokenLifetimeMs }),
  });
  return {
    server,
    bootstrap: (publicUrl) => bootstrapIdentity(server.cloud.identity, dataDir, publicUrl, { ...(options.adminPassword !== undefined && { adminPassword: options.adminPassword }) }),
    async close() {
      await stacks?.close();
      await manager?.close();
      await server.close();
    },
  };
}
