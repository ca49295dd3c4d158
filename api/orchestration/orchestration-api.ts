/**
 * Heat v1 under `/heat-api`, with Heat's fault format (`{"explanation", "code", "error": {"type", "message"}, "title"}`).
 *
 * LIMITATIONS against real Heat: OS::Neutron::* carry the network service's limits (one
 * IPv4 subnet per network, a port's address given when a server binds it, no routers: see
 * api/network/neutron-api.ts), so replacing a subnet in an update fails while the old one
 * exists; no OS::Cinder::* resource types yet; no software deployments (/software_configs, OS::Heat::SoftwareDeployment); nested
 * stacks (template resources, ResourceGroup) live in their parent resource's state, so they
 * are not stacks of their own in `stack list --nested` (they are listed by `resource list
 * --nested-depth`); update_policy (batched rolling updates) is not applied; no abandon,
 * adopt, snapshots, stack check/suspend/resume or cancel-update; a wait condition's signal
 * URL is on the metadata address (169.254.169.254), which only servers on this host's
 * project networks reach (elsewhere, signal from outside with `openstack stack resource
 * signal`); stacks in progress when the API stops stay IN_PROGRESS.
 */
import type { FastifyInstance } from 'fastify';
import type winston from 'winston';
import { baseUrlOf, httpTitles, installFaults } from '../http/service-faults.js';
import { registerStackRoutes, type StackRouteDeps } from './stack-routes.js';

const errorTypes: Record<number, string> = { 400: 'StackValidationFailed', 401: 'NotAuthenticated', 403: 'Forbidden', 404: 'EntityNotFound', 409: 'StackExists' };

export async function orchestrationApi(app: FastifyInstance, opts: { deps: StackRouteDeps; log: winston.Logger }): Promise<void> {
  installFaults(app, (status, message) => ({
    explanation: message, code: status, title: httpTitles[status] ?? 'Error',
    error: { type: errorTypes[status] ?? 'HTTPException', message, traceback: null },
  }), { log: opts.log });
  app.get('/', async (request, reply) => reply.code(300).send({
    versions: [{ id: 'v1.0', status: 'CURRENT', links: [{ rel: 'self', href: `${baseUrlOf(request)}/heat-api/v1/` }] }],
  }));
  registerStackRoutes(app, opts.deps);
}
