/**
 * The cloud's one HTTP listener: every OpenStack service path-prefixed as in devstack
 * (`/identity`, `/compute/v2.1`, `/image`, ...), request ids and access logs on all of them.
 * Services are fastify plugins, so each keeps its own fault format and body parsers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type winston from 'winston';
import { type CloudDatabase, openCloudDatabase } from './http/cloud-database.js';
import { installRequestIds } from './http/request-id.js';
import { identityApi } from './identity/identity-api.js';
import { IdentityService } from './identity/identity-service.js';
import type { CatalogService } from './identity/service-catalog.js';

/** A service plugin the server mounts, and how it appears in the catalog. */
export interface MountedService {
  prefix: string;
  catalog?: CatalogService;
  plugin: (app: FastifyInstance, opts: { cloud: CloudContext }) => Promise<void>;
}

/** What every service plugin is given. */
export interface CloudContext {
  dataDir: string;
  db: CloudDatabase;
  identity: IdentityService;
  log: winston.Logger;
}

export interface CloudServerOptions {
  dataDir: string;
  log: winston.Logger;
  /** Services beyond identity (compute, image, ...), mounted in order. */
  services: Array<(cloud: CloudContext) => MountedService>;
  tokenLifetimeMs?: number;
}

export interface CloudServer {
  app: FastifyInstance;
  cloud: CloudContext;
  close(): Promise<void>;
}

/** Builds the server (not yet listening). */
export async function createCloudServer(options: CloudServerOptions): Promise<CloudServer> {
  const db = openCloudDatabase(options.dataDir);
  const catalog: CatalogService[] = [{ type: 'identity', name: 'keystone', path: '/identity' }];
  const identity = new IdentityService(db, options.dataDir, catalog, { ...(options.tokenLifetimeMs !== undefined && { tokenLifetimeMs: options.tokenLifetimeMs }) });
  const cloud: CloudContext = { dataDir: options.dataDir, db, identity, log: options.log };
  const app = Fastify({
    logger: false,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    // Nova and Keystone refuse unknown fields rather than dropping them, and never coerce types.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, allowUnionTypes: true } },
  });
  installRequestIds(app, options.log);
  // Some clients send `Content-Type: application/json` on a DELETE or an action with no
  // body at all; that is an absent body, not a malformed one.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Malformed request body: the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  await app.register(identityApi, { prefix: '/identity', identity, log: options.log });
  for (const make of options.services) {
    const service = make(cloud);
    if (service.catalog) catalog.push(service.catalog);
    await app.register(service.plugin, { prefix: service.prefix, cloud });
  }
  return {
    app,
    cloud,
    async close() {
      await app.close();
      db.close();
    },
  };
}
