/**
 * Nova v2.1 under `/compute`: version documents, microversion 2.1 only (echoed on every
 * response; a request for a higher one is a 406, never silently served differently), and
 * Nova's fault format (`{"itemNotFound": {"code": 404, "message": ...}}`).
 */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import { ApiError } from '../http/api-error.js';
import { baseUrlOf, installFaults } from '../http/service-faults.js';
import type { ComputeDeps } from './compute-deps.js';
import { registerFlavorAndKeypairRoutes } from './flavor-keypair-routes.js';
import { registerHostRoutes } from './host-routes.js';
import { registerQuotaAndLimitRoutes } from './quota-limit-routes.js';
import { registerServerActionRoutes } from './server-action-routes.js';
import { registerServerRoutes } from './server-routes.js';
import { registerServerSubresourceRoutes } from './server-subresource-routes.js';
import { registerVolumeAttachmentRoutes } from './volume-attachment-routes.js';

const faultNames: Record<number, string> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable',
  409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 501: 'notImplemented', 503: 'serviceUnavailable',
};

const v21 = (base: string) => ({
  id: 'v2.1', status: 'CURRENT', version: '2.1', min_version: '2.1', updated: '2013-07-23T11:33:21Z',
  links: [{ rel: 'self', href: `${base}/compute/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' }],
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
});

/** The microversion a request asks for; undefined means 2.1. */
function requestedVersion(headers: Record<string, string | string[] | undefined>): string | undefined {
  const generic = headers['openstack-api-version'];
  if (typeof generic === 'string') {
    const match = /(?:^|,)\s*compute\s+(\S+)/i.exec(generic);
    if (match) return match[1];
  }
  const legacy = headers['x-openstack-nova-api-version'];
  return typeof legacy === 'string' ? legacy.trim() : undefined;
}

export async function computeApi(app: FastifyInstance, opts: { deps: ComputeDeps; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message) => ({ [faultNames[status] ?? 'computeFault']: { code: status, message } }), { log: opts.log });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-openstack-nova-api-version', '2.1').header('openstack-api-version', 'compute 2.1')
      .header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    const version = requestedVersion(request.headers);
    if (version !== undefined && version !== '2.1' && version.toLowerCase() !== 'latest' && version !== '2.0') {
      throw new ApiError(406, `Version ${version} is not supported by the API. Minimum is 2.1 and maximum is 2.1.`);
    }
  });
  app.get('/', async (request) => ({
    versions: [
      { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${baseUrlOf(request)}/compute/v2/` }] },
      v21(baseUrlOf(request)),
    ],
  }));
  await app.register(async (v2) => {
    v2.get('/', async (request) => ({ version: v21(baseUrlOf(request)) }));
    registerServerRoutes(v2, opts.deps);
    registerServerActionRoutes(v2, opts.deps);
    registerServerSubresourceRoutes(v2, opts.deps);
    registerVolumeAttachmentRoutes(v2, opts.deps);
    registerFlavorAndKeypairRoutes(v2, opts.deps);
    registerQuotaAndLimitRoutes(v2, opts.deps);
    registerHostRoutes(v2, opts.deps);
  }, { prefix: '/v2.1' });
}
