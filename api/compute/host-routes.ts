/**
 * The admin's view of compute hosts: `/os-services` (one nova-compute per host, in its zone,
 * up while the host answers) and `/os-aggregates` (each availability zone other than the
 * default one is an aggregate of its hosts, as Nova models zones). Both come from the
 * hosts configured in compute-hosts.yaml (availability-zones.ts).
 *
 * LIMITATIONS: read-only: services cannot be disabled or forced down, and aggregates are
 * changed in compute-hosts.yaml, not through the API (those calls answer 501).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, forbidden, notFound } from '../http/api-error.js';
import { authenticate, isAdmin } from '../http/request-context.js';
import { computeZones, defaultZone } from './availability-zones.js';
import type { ComputeDeps } from './compute-deps.js';

type Json = Record<string, any>;

/** A stable UUID-shaped id for a zone's aggregate (it has no row of its own). */
const aggregateUuid = (zone: string): string => {
  const h = createHash('sha256').update(`aggregate:${zone}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** The hosts that answer now (the API's own host always does when the driver is one host). */
async function answeringHosts(deps: ComputeDeps): Promise<Set<string>> {
  const driver = deps.manager.driver;
  if (!driver.availabilityZones || !driver.listHosts) return new Set([deps.host]);
  return new Set((await driver.listHosts()).map((h) => h.hypervisorHostname));
}

export function registerHostRoutes(app: FastifyInstance, deps: ComputeDeps): void {
  const admin = (request: FastifyRequest, policy: string): void => {
    if (!isAdmin(authenticate(request, deps.tokens))) throw forbidden(`Policy doesn't allow os_compute_api:${policy} to be performed.`);
  };
  const readOnly = (what: string) => async (request: FastifyRequest) => {
    admin(request, what);
    throw new ApiError(501, 'Host aggregates and services are configured in compute-hosts.yaml on this cloud (availability_zone per host); they cannot be changed through the API.');
  };

  app.get('/os-services', async (request) => {
    admin(request, 'os-services:list');
    const query = request.query as Json;
    const up = await answeringHosts(deps);
    const updated = new Date().toISOString().replace(/Z$/, '');
    const services = computeZones(deps).flatMap((z) => z.hosts.map((host) => ({ host, zone: z.zone })))
      .map((s, i) => ({
        id: i + 1, binary: 'nova-compute', host: s.host, zone: s.zone, status: 'enabled', state: up.has(s.host) ? 'up' : 'down',
        updated_at: updated, disabled_reason: null, forced_down: false,
      }))
      .filter((s) => (query.host === undefined || s.host === query.host) && (query.binary === undefined || s.binary === query.binary));
    return { services };
  });
  app.put('/os-services/:id', readOnly('os-services:update'));
  app.delete('/os-services/:id', readOnly('os-services:delete'));

  const aggregates = () => computeZones(deps).filter((z) => z.zone !== defaultZone).map((z, i) => ({
    id: i + 1, uuid: aggregateUuid(z.zone), name: z.zone, availability_zone: z.zone, hosts: z.hosts,
    metadata: { availability_zone: z.zone }, created_at: '1970-01-01T00:00:00.000000', updated_at: null, deleted: false, deleted_at: null,
  }));
  app.get('/os-aggregates', async (request) => {
    admin(request, 'os-aggregates:index');
    return { aggregates: aggregates() };
  });
  app.get('/os-aggregates/:id', async (request) => {
    admin(request, 'os-aggregates:show');
    const id = String((request.params as Json).id);
    const found = aggregates().find((a) => String(a.id) === id || a.uuid === id);
    if (!found) throw notFound(`Aggregate ${id} could not be found.`);
    return { aggregate: found };
  });
  app.post('/os-aggregates', readOnly('os-aggregates:create'));
  app.put('/os-aggregates/:id', readOnly('os-aggregates:update'));
  app.delete('/os-aggregates/:id', readOnly('os-aggregates:delete'));
  app.post('/os-aggregates/:id/action', readOnly('os-aggregates:add_host'));
}
