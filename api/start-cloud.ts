/**
 * Assembles the cloud over an open engine: the API server with every service, the compute
 * driver, and the start-up work only the server may do (reconciling containers).
 */
import type winston from 'winston';
import type { ContainerService } from '../engine/containers/container-service.js';
import type { Engine } from '../engine/engine.js';
import { type CloudServer, createCloudServer } from './cloud-server.js';
import { type BootstrapResult, bootstrapIdentity } from './identity/bootstrap.js';

export interface CloudOptions {
  engine: Engine;
  containers: ContainerService;
  log: winston.Logger;
  adminPassword?: string;
  tokenLifetimeMs?: number;
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
  const server = await createCloudServer({
    dataDir, log: options.log, services: [],
    ...(options.tokenLifetimeMs !== undefined && { tokenLifetimeMs: options.tokenLifetimeMs }),
  });
  return {
    server,
    bootstrap: (publicUrl) => bootstrapIdentity(server.cloud.identity, dataDir, publicUrl, { ...(options.adminPassword !== undefined && { adminPassword: options.adminPassword }) }),
    async close() {
      await server.close();
    },
  };
}
