/**
 * Neutron v2.0 under `/network`: version discovery, extensions, quotas and the resources
 * (neutron-resources.ts). Faults are Neutron's `{"NeutronError": {"type", "message",
 * "detail"}}`, which the SDK and neutronclient read.
 *
 * LIMITATIONS against real Neutron: IPv4 only; one subnet per network (it is the engine
 * network's subnet, and subnets may not overlap anywhere on this host), so a port has one
 * fixed IP (chosen with `fixed_ips` at create, or the first free one) and it cannot be
 * changed afterwards; no allocation pools; no routers (a floating IP maps
 * straight to its port, and a tenant network reaches nothing outside itself); floating IP
 * pools are loopback ranges; no pagination, sorting or field selection in lists. A server
 * on a Docker compute host has its real fixed IPs on that host's mirror of the network (one
 * segment per host), but no floating IP, security group or metadata route reaches it: the
 * first two are refused for it (remote-servers.ts), its ports' groups are not enforced.
 */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import { authenticate, canWrite, isAdmin, projectOf, type TokenValidator } from '../http/request-context.js';
import { ApiError, forbidden } from '../http/api-error.js';
import { baseUrlOf, installFaults } from '../http/service-faults.js';
import { NeutronFault } from './fixed-ips.js';
import type { NeutronCore } from './neutron-core.js';
import { registerNeutronResources } from './neutron-resources.js';

const faultTypes: Record<number, string> = {
  400: 'BadRequest', 401: 'NotAuthenticated', 403: 'PolicyNotAuthorized', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
  413: 'OverQuota', 415: 'UnsupportedMediaType', 500: 'InternalServerError', 501: 'NotImplemented',
};

const extensions = [
  ['security-group', 'security-group', 'The security groups extension.'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per tenant'],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources.'],
  ['network-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
] as const;

/** Neutron's default quotas (neutron/conf/quota.py); -1 for what this cloud does not count. */
const defaultQuota = { network: 100, subnet: 100, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100, rbac_policy: 10, subnetpool: -1 };

export async function neutronApi(app: FastifyInstance, opts: { core: NeutronCore; tokens: TokenValidator; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message, err) => ({ NeutronError: { type: err instanceof NeutronFault ? err.type : faultTypes[status] ?? 'NeutronError', message, detail: '' } }), { log: opts.log });
  const version = (base: string) => ({ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${base}/network/v2.0/` }] });
  app.get('/', async (request) => ({ versions: [version(baseUrlOf(request))] }));
  await app.register(async (v2) => {
    v2.addHook('onRequest', async (request) => {
      if (request.url.replace(/\?.*$/, '').replace(/\/+$/, '').endsWith('/v2.0')) return;
      const ctx = authenticate(request, opts.tokens);
      projectOf(ctx);
      if (request.method !== 'GET' && request.method !== 'HEAD' && !canWrite(ctx)) throw forbidden('rule:create_network is disallowed by policy');
    });
    v2.get('/', async (request) => ({
      resources: ['network', 'subnet', 'port', 'floatingip', 'security_group', 'security_group_rule', 'quota'].map((name) => ({
        name, collection: `${name}s`, links: [{ rel: 'self', href: `${baseUrlOf(request)}/network/v2.0/${name.replace(/_/g, '-')}s` }],
      })),
    }));
    v2.get('/extensions', async () => ({ extensions: extensions.map(([alias, name, description]) => ({ alias, name, description, updated: '2013-01-01T00:00:00-00:00', links: [] })) }));
    v2.get('/extensions/:alias', async (request) => {
      const found = extensions.find(([alias]) => alias === (request.params as { alias: string }).alias);
      if (!found) throw new ApiError(404, `Extension with alias ${(request.params as { alias: string }).alias} does not exist`);
      return { extension: { alias: found[0], name: found[1], description: found[2], updated: '2013-01-01T00:00:00-00:00', links: [] } };
    });
    const quotaOf = (request: { params: unknown; context?: unknown }, detail: boolean) => {
      const ctx = request.context as Parameters<typeof isAdmin>[0];
      const projectId = (request.params as { project_id: string }).project_id;
      if (projectId !== ctx.projectId && !isAdmin(ctx)) throw forbidden('Only admins may see another project\'s quotas.');
      if (!detail) return { quota: defaultQuota };
      const used = opts.core.store.usage(projectId);
      return { quota: Object.fromEntries(Object.entries(defaultQuota).map(([k, limit]) => [k, { limit, used: used[k] ?? 0, reserved: 0 }])) };
    };
    v2.get('/quotas/:project_id', async (request) => quotaOf(request, false));
    v2.get('/quotas/:project_id/default', async (request) => quotaOf(request, false));
    v2.get('/quotas/:project_id/details', async (request) => quotaOf(request, true));
    v2.get('/quotas', async () => ({ quotas: [] }));
    registerNeutronResources(v2, opts.core);
  }, { prefix: '/v2.0' });
}
