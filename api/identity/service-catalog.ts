/**
 * The service catalog every token carries. Endpoints are paths under the one listener, as in
 * devstack (see ../shared/openstack-wire-contract.md: `region`, `interface`, `url`, `name`
 * and `type` are all read by some client, so all are always present).
 */
import { createHash } from 'node:crypto';

/** A service the server mounts, with its path; `%(project_id)s` is replaced per token. */
export interface CatalogService {
  type: string;
  name: string;
  path: string;
}

export const region = 'RegionOne';

const stableId = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);

/** v3 catalog entries for a token scoped to `projectId` (when any). */
export function v3Catalog(services: CatalogService[], baseUrl: string, projectId?: string) {
  return services.filter((s) => projectId !== undefined || !s.path.includes('%(project_id)s')).map((s) => {
    const url = baseUrl + s.path.replace('%(project_id)s', projectId ?? '');
    return {
      type: s.type, name: s.name, id: stableId(s.type, s.name),
      endpoints: (['public', 'internal', 'admin'] as const).map((iface) => ({
        id: stableId(s.type, s.name, iface), interface: iface, region, region_id: region, url,
      })),
    };
  });
}

/** The same catalog in Keystone v2.0's shape (pkgcloud's default mode). */
export function v2Catalog(services: CatalogService[], baseUrl: string, projectId: string) {
  return services.map((s) => {
    const url = baseUrl + s.path.replace('%(project_id)s', projectId);
    return {
      type: s.type, name: s.name, endpoints_links: [],
      endpoints: [{ id: stableId(s.type, s.name), region, publicURL: url, internalURL: url, adminURL: url }],
    };
  });
}

/** Keystone's timestamp form: microseconds and a literal Z (clients parse exactly this). */
export const keystoneTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
