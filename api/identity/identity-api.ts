/** Keystone v3 under `/identity`: discovery, tokens, and the admin API, with Keystone's fault format. */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import { baseUrlOf, httpTitles, installFaults } from '../http/service-faults.js';
import { registerAdminRoutes } from './admin-routes.js';
import type { IdentityService } from './identity-service.js';
import { registerTokenRoutes } from './token-routes.js';

const updated = '2024-01-01T00:00:00Z';
const mediaTypes = [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }];

function v3Version(base: string) {
  return { id: 'v3.14', status: 'stable', updated, links: [{ rel: 'self', href: `${base}/identity/v3/` }], 'media-types': mediaTypes };
}

export async function identityApi(app: FastifyInstance, opts: { identity: IdentityService; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message) => ({ error: { code: status, title: httpTitles[status] ?? 'Error', message } }), {
    log: opts.log,
    onUnauthorized: (request) => ({ 'www-authenticate': `Keystone uri="${baseUrlOf(request)}/identity"` }),
  });
  // v2.0 is served (pkgcloud) but never listed: keystoneauth would choose it over v3 otherwise.
  app.get('/', async (request, reply) => reply.code(300).send({ versions: { values: [v3Version(baseUrlOf(request))] } }));
  app.get('/v3', async (request) => ({ version: v3Version(baseUrlOf(request)) }));
  registerTokenRoutes(app, opts.identity);
  registerAdminRoutes(app, opts.identity);
}
