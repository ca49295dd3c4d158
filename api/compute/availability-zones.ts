/**
 * Nova's availability zones over the compute driver's host groups: the zones a driver that
 * spans several hosts reports (drivers/placement), or one zone `nova` holding this API's
 * host. `--availability-zone ZONE[:HOST[:NODE]]` on create is checked here, before
 * anything is recorded: an unknown zone is Nova's 400, a host (admins only, as Nova's
 * forced_host policy) must be in the zone. Where the server lands is the driver's choice
 * within that zone; no room there ends the build in ERROR with "No valid host was found".
 *
 * LIMITATIONS: no host aggregates API (zones come from compute-hosts.yaml); a host that
 * does not answer is listed as down (XXX) in the detail, not taken out of its zone; NODE is
 * accepted only where it names the same host (one node per host here).
 */
import type { AvailabilityZone, PlacementRequest } from '../../drivers/compute-driver.js';
import { badRequest, forbidden } from '../http/api-error.js';
import { isAdmin, type RequestContext } from '../http/request-context.js';
import type { ComputeDeps } from './compute-deps.js';

/** Nova's default_availability_zone: the zone of a host nobody put in another. */
export const defaultZone = 'nova';

/** The compute zones and their hosts. */
export function computeZones(deps: Pick<ComputeDeps, 'manager' | 'host'>): AvailabilityZone[] {
  return deps.manager.driver.availabilityZones?.() ?? [{ zone: defaultZone, hosts: [deps.host] }];
}

/**
 * The placement a create body's `availability_zone` asks for (undefined: anywhere), as Nova
 * parses it: `ZONE`, `ZONE:HOST`, `ZONE::NODE` or `ZONE:HOST:NODE`.
 */
export function requestedPlacement(deps: Pick<ComputeDeps, 'manager' | 'host'>, ctx: RequestContext, value: unknown): PlacementRequest | undefined {
  if (value === undefined || value === null) return undefined;
  const [zone = '', host = '', node = '', ...rest] = String(value).split(':');
  const zones = computeZones(deps);
  const found = zones.find((z) => z.zone === zone);
  if (!found || rest.length > 0) throw badRequest('The requested availability zone is not available');
  if (host === '' && node === '') return { zone };
  if (!isAdmin(ctx)) throw forbidden("Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
  if (host !== '' && node !== '' && host !== node) throw badRequest(`Compute host ${host} has no node ${node}.`);
  const wanted = host || node;
  if (!zones.some((z) => z.hosts.includes(wanted))) throw badRequest(`Compute host ${wanted} could not be found.`);
  if (!found.hosts.includes(wanted)) throw badRequest(`Compute host ${wanted} is not in availability zone ${zone}.`);
  return { zone, host: wanted };
}

/** The zone every server lands in when there is only one; '' otherwise (Nova's value until the server is placed). */
export function soleZone(deps: Pick<ComputeDeps, 'manager' | 'host'>): string {
  const zones = computeZones(deps);
  return zones.length === 1 ? zones[0]!.zone : '';
}

/** `GET /os-availability-zone`: every zone with a host, no host detail. */
export function zoneList(deps: Pick<ComputeDeps, 'manager' | 'host'>): Record<string, unknown> {
  return { availabilityZoneInfo: computeZones(deps).map((z) => ({ zoneName: z.zone, zoneState: { available: true }, hosts: null })) };
}

/**
 * `GET /os-availability-zone/detail` (admins): each zone's hosts with their nova-compute
 * service, up when the host answers (a zone is available while one of its hosts is).
 */
export async function zoneDetail(deps: Pick<ComputeDeps, 'manager' | 'host'>): Promise<Record<string, unknown>> {
  const driver = deps.manager.driver;
  let answering: Set<string>;
  if (driver.availabilityZones && driver.listHosts) {
    answering = new Set((await driver.listHosts()).map((h) => h.hypervisorHostname));
  } else {
    answering = new Set([deps.host]);
  }
  const updated = new Date().toISOString().replace('Z', '');
  return {
    availabilityZoneInfo: computeZones(deps).map((z) => ({
      zoneName: z.zone,
      zoneState: { available: z.hosts.some((h) => answering.has(h)) },
      hosts: Object.fromEntries(z.hosts.map((h) => [h, { 'nova-compute': { available: answering.has(h), active: true, updated_at: updated } }])),
    })),
  };
}
